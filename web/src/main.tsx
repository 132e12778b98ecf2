import { createRoot } from 'react-dom/client';

import { takeTokenFromFragment } from './api';
import { App } from './App';
import './styles.css';

takeTokenFromFragment();
createRoot(document.getElementById('root')!).render(<App />);
