//! The OpenAPI document: well formed, in step with the router (both come from
//! `super::endpoints`), and true of real responses, validated against the documented schemas
//! with every object schema closed, so a wrong or incomplete schema fails.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::merchant_tests::{merchant, pay_qr, request};
use super::payments_tests::{P1, P2, Pay, sign};
use super::tests::Harness;
use crate::auth::Role;
use crate::http::app;

/// The operation keys of an OpenAPI path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// The methods probed against the router (HEAD is implied by GET in axum).
const PROBED: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];
const TAGS: [&str; 6] = ["session", "customer", "merchant", "agent", "admin", "ops"];

/// The document as generated (the same value `GET /api/v1/openapi.json` serves).
fn generated() -> Value {
    serde_json::to_value(super::doc::openapi()).unwrap()
}

/// Path → documented methods (lowercase).
fn documented(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, item)| (path.clone(), methods_of(item)))
        .collect()
}

fn methods_of(item: &Value) -> BTreeSet<String> {
    METHODS
        .iter()
        .filter(|m| item.get(**m).is_some())
        .map(|m| m.to_string())
        .collect()
}

/// `path` with every `{param}` replaced by a UUID.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "6f1c1a52-3b7e-4d61-9a57-0c3f8a1b2cff"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Follows a local `$ref` (`#/components/...`) of `doc`.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("local reference");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("dangling {r}"))
        }
        None => value,
    }
}

/// Closes object schemas (`additionalProperties: false`) so an undocumented field fails.
/// Members of an `allOf` stay open: each describes only part of one object.
fn strict(schema: &mut Value, close: bool) {
    match schema {
        Value::Object(map) => {
            if close && map.contains_key("properties") && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("properties", Value::Object(props)) => {
                        props.values_mut().for_each(|p| strict(p, true))
                    }
                    ("allOf", Value::Array(parts)) => {
                        parts.iter_mut().for_each(|p| strict(p, false))
                    }
                    (_, child) => strict(child, true),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| strict(i, true)),
        _ => {}
    }
}

/// The JSON schema of `method path`'s `status` answer, with the document's schemas closed.
fn response_schema(doc: &Value, method: &str, path: &str, status: StatusCode) -> Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not documented");
    let response = &op["responses"][status.as_str()];
    assert!(
        !response.is_null(),
        "{method} {path} does not document {status}"
    );
    let mut schema = resolve(doc, response)["content"]["application/json"]["schema"].clone();
    assert!(
        !schema.is_null(),
        "{method} {path} {status} has no JSON body"
    );
    strict(&mut schema, true);
    let mut schemas = doc["components"]["schemas"].clone();
    strict(&mut schemas, false);
    schemas
        .as_object_mut()
        .unwrap()
        .values_mut()
        .for_each(|s| strict(s, true));
    json!({ "allOf": [schema], "components": { "schemas": schemas } })
}

/// Every reason `body` breaks the documented schema of `method path` answering `status`.
fn violations(
    doc: &Value,
    method: &str,
    path: &str,
    status: StatusCode,
    body: &Value,
) -> Vec<String> {
    let schema = response_schema(doc, method, path, status);
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn assert_valid(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let errors = violations(doc, method, path, status, body);
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:?}\n{body:#}"
    );
}

#[tokio::test]
async fn served_document_is_openapi_3_and_complete() {
    let h = Harness::new();
    let res = app(h.state.clone())
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc, generated());
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        doc["info"]["description"]
            .as_str()
            .unwrap()
            .contains("exact decimals")
    );
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, TAGS.into_iter().collect());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["query_token"]["in"], "query");

    let public = [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/openapi.json",
        "/api/v1/auth/login",
        "/api/v1/auth/activate",
    ];
    let mut count = 0;
    let mut operation_ids = BTreeSet::new();
    for (path, methods) in documented(&doc) {
        for method in methods {
            count += 1;
            let op = &doc["paths"][&path][&method];
            let what = format!("{method} {path}");
            assert!(op["summary"].is_string(), "{what} has no summary");
            let id = op["operationId"].as_str().unwrap().to_string();
            assert!(operation_ids.insert(id), "{what}: operationId used twice");
            let op_tags = op["tags"].as_array().unwrap();
            assert!(!op_tags.is_empty(), "{what} has no tag");
            assert!(
                op_tags.iter().all(|t| TAGS.contains(&t.as_str().unwrap())),
                "{what}"
            );
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(secured, !public.contains(&path.as_str()), "{what} security");
            // Path parameters are declared.
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = seg.trim_matches(['{', '}']);
                let declared = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
                assert!(declared, "{what}: path parameter {name}");
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what} has no success response"
            );
            for (status, response) in responses {
                let response = resolve(&doc, response);
                assert!(response["description"].is_string(), "{what} {status}");
                if status.starts_with('4') || (status.starts_with('5') && path != "/readyz") {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/ApiError",
                        "{what} {status} body"
                    );
                }
            }
            if secured {
                assert!(responses.contains_key("401"), "{what} documents no 401");
            }
            assert!(
                responses.contains_key("500") || path == "/healthz" || path == "/readyz",
                "{what} documents no 500"
            );
        }
    }
    assert_eq!(count, 26, "operations documented");
    // Amounts are exact decimal strings, never numbers.
    let available = &doc["components"]["schemas"]["Balance"]["properties"]["available"];
    assert_eq!(available["type"], "string");
    assert!(available["pattern"].is_string());
    assert!(
        available["description"]
            .as_str()
            .unwrap()
            .contains("never a float")
    );
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_routes() {
    let h = Harness::new();
    let doc = generated();
    let documented = documented(&doc);

    // The one table: each entry's method router serves exactly the methods its document lists.
    let mut from_table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, paths, method_router) in super::endpoints() {
        let mut methods = BTreeSet::new();
        for (path, item) in paths.paths.iter() {
            let here = methods_of(&serde_json::to_value(item).unwrap());
            from_table
                .entry(path.clone())
                .or_default()
                .extend(here.iter().cloned());
            methods.extend(here);
        }
        let service = method_router.with_state::<()>(h.state.clone());
        for m in PROBED {
            let req = Request::builder()
                .method(m.clone())
                .uri("/")
                .body(Body::empty())
                .unwrap();
            let status = service.clone().oneshot(req).await.unwrap().status();
            let served = status != StatusCode::METHOD_NOT_ALLOWED;
            let listed = methods.contains(&m.as_str().to_lowercase());
            assert_eq!(served, listed, "{m} on {:?}", paths.paths.keys());
        }
    }
    assert_eq!(from_table, documented);

    // The whole app: every documented operation is routed (not 405, not the 404 fallback),
    // and every other method on a documented path is 405.
    for (path, methods) in &documented {
        for m in PROBED {
            let uri = concrete(path);
            let req = Request::builder()
                .method(m.clone())
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            let res = app(h.state.clone()).oneshot(req).await.unwrap();
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            let fallback = status == StatusCode::NOT_FOUND
                && serde_json::from_slice::<Value>(&bytes)
                    .is_ok_and(|b| b["message"] == "endpoint not found");
            if methods.contains(&m.as_str().to_lowercase()) {
                assert!(
                    status != StatusCode::METHOD_NOT_ALLOWED && !fallback,
                    "{m} {uri}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {uri}");
            }
        }
    }
    // Anything else under /api/v1 is the JSON 404, undocumented by design.
    let (status, body) = h.call("DELETE", "/api/v1/nope/deeper", None, None).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!("not_found"))
    );
    assert!(!documented.keys().any(|p| p.contains('*')));
}

#[tokio::test]
async fn real_responses_match_the_documented_schemas() {
    let doc = generated();
    let pay = Pay::new();
    let h = &pay.h;
    let ok = StatusCode::OK;

    let (status, body) = h.call("GET", "/healthz", None, None).await;
    assert_valid(&doc, "get", "/healthz", status, &body);
    let (status, body) = h.call("GET", "/readyz", None, None).await;
    assert_valid(&doc, "get", "/readyz", status, &body);

    // Login and profile.
    let asha = pay.customer("255712000001", "Asha", 100_000, 1).await;
    pay.customer("255712000002", "Baraka", 0, 2).await;
    let body = json!({"phone": "255712000001", "pin": "4821"});
    let (status, login) = h.call("POST", "/api/v1/auth/login", None, Some(body)).await;
    assert_eq!(status, ok);
    assert_valid(&doc, "post", "/api/v1/auth/login", status, &login);
    let (status, me) = h.call("GET", "/api/v1/me", Some(&asha.token), None).await;
    assert_valid(&doc, "get", "/api/v1/me", status, &me);
    let (status, devices) = h
        .call("GET", "/api/v1/devices", Some(&asha.token), None)
        .await;
    assert_valid(&doc, "get", "/api/v1/devices", status, &devices);

    // Quote, approval, status, balance, history.
    let (status, quote) = pay.create(&asha, P1, "255712000002", "150.5").await;
    assert_eq!(status, ok, "{quote}");
    assert_valid(&doc, "post", "/api/v1/payments", status, &quote);
    let sig = sign(&quote, &asha.key);
    let (status, done) = pay
        .approve(&asha, P1, "4821", &asha.key.device_id(), &sig)
        .await;
    assert_eq!((status, &done["state"]), (ok, &json!("committed")));
    assert_valid(&doc, "post", "/api/v1/payments/{id}/approve", status, &done);
    let path = format!("/api/v1/payments/{P1}");
    let (status, payment) = h.call("GET", &path, Some(&asha.token), None).await;
    assert_eq!(status, ok);
    assert_valid(&doc, "get", "/api/v1/payments/{id}", status, &payment);
    let (status, balance) = h
        .call("GET", "/api/v1/balance", Some(&asha.token), None)
        .await;
    assert_eq!(balance["available"], "848.5");
    assert_valid(&doc, "get", "/api/v1/balance", status, &balance);
    let (status, history) = h
        .call("GET", "/api/v1/history?limit=5", Some(&asha.token), None)
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2, "{history}");
    assert_valid(&doc, "get", "/api/v1/history", status, &history);

    // A merchant request, paid by QR, and the merchant's views.
    let m = merchant(&pay, "255712000100", "123456").await;
    let (status, req) = request(&pay, &m, "250.5", "INV-7").await;
    assert_eq!(status, ok, "{req}");
    assert_valid(&doc, "post", "/api/v1/merchant/requests", status, &req);
    pay_qr(&pay, &asha, P2, req["payload"].as_str().unwrap()).await;
    let path = format!(
        "/api/v1/merchant/requests/{}",
        req["request_id"].as_str().unwrap()
    );
    let (status, paid) = h.call("GET", &path, Some(&m.token), None).await;
    assert_eq!(paid["status"], "paid");
    assert_valid(&doc, "get", "/api/v1/merchant/requests/{id}", status, &paid);
    let (status, page) = h
        .call("GET", "/api/v1/merchant/payments", Some(&m.token), None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_valid(&doc, "get", "/api/v1/merchant/payments", status, &page);
    let (status, till) = h
        .call("GET", "/api/v1/merchant/till-qr", Some(&m.token), None)
        .await;
    assert_eq!(status, ok);
    assert_valid(&doc, "get", "/api/v1/merchant/till-qr", status, &till);

    // Admin search, one payment, system balances.
    let admin = h.user("255712000900", Role::Admin).await;
    let (status, found) = h
        .call(
            "GET",
            "/api/v1/admin/payments?state=committed",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(found.as_array().unwrap().len(), 2, "{found}");
    assert_valid(&doc, "get", "/api/v1/admin/payments", status, &found);
    let path = format!("/api/v1/admin/payments/{P1}");
    let (status, one) = h.call("GET", &path, Some(&admin), None).await;
    assert_eq!(status, ok);
    assert_valid(&doc, "get", "/api/v1/admin/payments/{id}", status, &one);
    let (status, books) = h
        .call("GET", "/api/v1/admin/ledger", Some(&admin), None)
        .await;
    assert_eq!(status, ok);
    assert_valid(&doc, "get", "/api/v1/admin/ledger", status, &books);

    // Errors: every one in the documented `{code, message}` shape.
    let (status, err) = h.call("GET", "/api/v1/balance", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_valid(&doc, "get", "/api/v1/balance", status, &err);
    let (status, err) = h
        .call("GET", "/api/v1/admin/payments", Some(&asha.token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_valid(&doc, "get", "/api/v1/admin/payments", status, &err);
    let (status, err) = pay.create(&asha, P1, "255712000002", "99").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_valid(&doc, "post", "/api/v1/payments", status, &err);
    let (status, err) = pay.create(&asha, "not-a-uuid", "255712000002", "1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_valid(&doc, "post", "/api/v1/payments", status, &err);
    let bad = json!({"phone": "255712000001", "pin": "0000"});
    let (status, err) = h.call("POST", "/api/v1/auth/login", None, Some(bad)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_valid(&doc, "post", "/api/v1/auth/login", status, &err);
}

#[tokio::test]
async fn agent_responses_match_the_documented_schemas() {
    let doc = generated();
    let h = Harness::new();
    let agent = h.user("255712000300", Role::Agent).await;
    let form = json!({
        "full_name": "Neema Mushi", "phone": "255712000301", "id_type": "national_id",
        "id_number": "19900101-12345", "date_of_birth": "1990-01-01", "kyc_tier": 1, "photo": null,
    });
    let req = Request::post("/api/v1/agent/customers")
        .header("authorization", format!("Bearer {agent}"))
        .header("content-type", "application/json")
        .header("idempotency-key", "0b6a4c2e-1f3d-4e5a-9b7c-8d9e0f1a2b3c")
        .body(Body::from(form.to_string()))
        .unwrap();
    let res = app(h.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let body: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_valid(&doc, "post", "/api/v1/agent/customers", status, &body);
    let (status, list) = h
        .call("GET", "/api/v1/agent/customers", Some(&agent), None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_valid(&doc, "get", "/api/v1/agent/customers", status, &list);
    // No Idempotency-Key: 400 in the error shape.
    let (status, err) = h
        .call("POST", "/api/v1/agent/customers", Some(&agent), Some(form))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_valid(&doc, "post", "/api/v1/agent/customers", status, &err);
}

#[tokio::test]
async fn a_wrong_schema_fails_validation() {
    let h = Harness::new();
    let token = h.user("255712000400", Role::Customer).await;
    let (status, me) = h.call("GET", "/api/v1/me", Some(&token), None).await;
    let doc = generated();
    let path = "/api/v1/me";
    assert!(violations(&doc, "get", path, status, &me).is_empty());

    // A field of the wrong type, a field the hub does not send, and a field it sends that the
    // document does not know: each is caught.
    let profile = "/components/schemas/Profile";
    let mut wrong_type = doc.clone();
    wrong_type.pointer_mut(profile).unwrap()["properties"]["kyc_tier"] = json!({"type": "string"});
    assert!(!violations(&wrong_type, "get", path, status, &me).is_empty());
    let mut extra_required = doc.clone();
    extra_required.pointer_mut(profile).unwrap()["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("email"));
    assert!(!violations(&extra_required, "get", path, status, &me).is_empty());
    let mut missing = doc.clone();
    let props = missing.pointer_mut(profile).unwrap()["properties"]
        .as_object_mut()
        .unwrap();
    props.remove("display_name");
    assert!(!violations(&missing, "get", path, status, &me).is_empty());
    // An amount written as a number instead of a decimal string is refused.
    let balance = json!({"currency": "TZS", "ledger": 10.5, "available": "10.5", "as_of": 1});
    assert!(!violations(&doc, "get", "/api/v1/balance", StatusCode::OK, &balance).is_empty());
    let balance = json!({"currency": "TZS", "ledger": "10.50", "available": "10.5", "as_of": 1});
    assert!(!violations(&doc, "get", "/api/v1/balance", StatusCode::OK, &balance).is_empty());
}
