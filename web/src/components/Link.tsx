import type { AnchorHTMLAttributes, MouseEvent } from 'react';

import { navigate } from '../router';

// An ordinary link that navigates inside the app (modifier clicks open normally).
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, ...rest } = props;
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    e.preventDefault();
    navigate(props.href);
  };
  return <a {...rest} onClick={click} />;
}
