// A smoke run by hand against a running shop: node smoke.ts <base URL> <ADMIN_TOKEN>
// Walks the HTTP contract once (signup, login, cart, checkout, orders, report, PATCH) and prints
// each answer's status. Not a test: it stops at the first surprise and says what it got.
const [base = "http://127.0.0.1:3000", adminToken = process.env.ADMIN_TOKEN ?? ""] = process.argv.slice(2);
let cookie = "";

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(new URL(path, base), {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(cookie ? { cookie } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const ms = (performance.now() - started).toFixed(0);
  console.log(`${method} ${path} -> ${response.status} in ${ms} ms [${response.headers.get("x-instance") ?? "?"}] ${text.slice(0, 160)}`);
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
function expect(what: string, ok: boolean): void {
  if (!ok) {
    console.error(`SMOKE FAILED: ${what}`);
    process.exit(1);
  }
}

const email = `smoke-${Date.now()}@example.com`;
const admin = { authorization: `Bearer ${adminToken}` };
expect("GET /products/7 is 200", (await call("GET", "/products/7")).status === 200);
expect("GET /products/999 is 404", (await call("GET", "/products/999")).status === 404);
expect("GET /products/abc is 400", (await call("GET", "/products/abc")).status === 400);
expect("GET /products?category=toys has items", ((await call("GET", "/products?category=toys")).json.items as unknown[]).length > 0);
expect("signup 201", (await call("POST", "/signup", { email, password: "correct horse" })).status === 201);
expect("duplicate signup 409", (await call("POST", "/signup", { email, password: "correct horse" })).status === 409);
expect("bad signup 400", (await call("POST", "/signup", { email: "nope", password: "x" })).status === 400);
expect("wrong password 401", (await call("POST", "/login", { email, password: "wrong horse!" })).status === 401);
const login = await call("POST", "/login", { email, password: "correct horse" });
expect("login 200", login.status === 200);
console.log(`  Set-Cookie: ${login.headers.get("set-cookie")}`);
cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
expect("GET /me 200", (await call("GET", "/me")).status === 200);
expect("add to cart 200", (await call("POST", "/cart/items", { productId: 7, quantity: 2 })).status === 200);
expect("add to cart 200", (await call("POST", "/cart/items", { productId: 12, quantity: 1 })).status === 200);
expect("GET /cart 200", (await call("GET", "/cart")).status === 200);
const stockBefore = (await call("GET", "/products/7")).json.stock as number;
const checkout = await call("POST", "/checkout", undefined, { "idempotency-key": "smoke-1" });
expect("checkout 201", checkout.status === 201);
const replay = await call("POST", "/checkout", undefined, { "idempotency-key": "smoke-1" });
expect("same Idempotency-Key gives the same order", replay.json.orderId === checkout.json.orderId);
expect("stock went down by 2", (await call("GET", "/products/7")).json.stock === stockBefore - 2);
for (let i = 0; i < 3; i++) {
  await call("POST", "/cart/items", { productId: 20 + i, quantity: 1 });
  expect("checkout 201", (await call("POST", "/checkout")).status === 201);
}
const page1 = await call("GET", "/orders?limit=2");
expect("orders page 1 has 2", (page1.json.items as unknown[]).length === 2 && typeof page1.json.nextCursor === "string");
const page2 = await call("GET", `/orders?limit=2&cursor=${encodeURIComponent(page1.json.nextCursor as string)}`);
expect("orders page 2 has 2 and no next", (page2.json.items as unknown[]).length === 2 && page2.json.nextCursor === null);
expect("limit=abc is 400", (await call("GET", "/orders?limit=abc")).status === 400);
expect("limit=101 is 400", (await call("GET", "/orders?limit=101")).status === 400);
expect("report without token 401", (await call("GET", "/admin/report")).status === 401);
expect("report 200", (await call("GET", "/admin/report", undefined, admin)).status === 200);
expect("PATCH without token 401", (await call("PATCH", "/admin/products/7", { priceCents: 1234 })).status === 401);
expect("PATCH 200", (await call("PATCH", "/admin/products/7", { priceCents: 1234 }, admin)).status === 200);
for (let i = 0; i < 3; i++) expect("read own write", (await call("GET", "/products/7")).json.priceCents === 1234);
expect("logout 204", (await call("POST", "/logout")).status === 204);
expect("GET /me after logout 401", (await call("GET", "/me")).status === 401);
console.log("SMOKE OK");
