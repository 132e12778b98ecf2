{"id": 7701, "title": "Stormlykta", "handle": "stormlykta", "available": true,
 "variants": [{"id": 77, "title": "Svart", "available": true, "price": 44900}]}
