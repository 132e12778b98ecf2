// The storefront, started by the consent manager as a necessary script.
window.Shopify = { shop: "samtycket.myshopify.com", theme: { name: "Dawn", schema_version: "15.0.0" } };
var app = document.getElementById("app");
app.innerHTML = "<h1>Samtycket</h1><p>Tvålar från Visby.</p><h2>Frakt</h2>" +
  "<ul id=\"fraktalternativ\"><li>PostNord MyPack Collect</li><li>Budbee Hemleverans</li></ul>";
