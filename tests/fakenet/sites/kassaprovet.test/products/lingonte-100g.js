{"id": 8101, "title": "Lingonte 100 g", "handle": "lingonte-100g", "available": true,
 "variants": [{"id": 4100101, "title": "Lös", "available": false, "price": 8900},
              {"id": 4100102, "title": "Påsar", "available": true, "price": 8900}]}
