//! `/openapi.json`, generated from the handlers' annotations and the wire types.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{routes, sync};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Titanium Guardian API",
        description = "The v1 API of the old Titanium Guardian server, kept field for field: scam-risk checks for \
calls (sessions), payments, messages, links and identity signals. Every answer is a RiskResponse: a 0–100 score, a \
level, every reason in plain words, the next step, a checklist and, where it helps, what to say. Errors are \
`{\"detail\": …}`. Send the API key in the `X-API-Key` header when the server has one."
    ),
    paths(
        routes::start_session, routes::session_event, routes::end_session, routes::get_session,
        routes::money_assess, routes::safe_steps, routes::analyze_text, routes::analyze_url,
        routes::create_profile, routes::check_risk, routes::retention_policy, routes::health, routes::metrics,
        sync::register, sync::enrolment_code, sync::revoke, sync::push, sync::history, sync::link_code,
        sync::device_caregivers, sync::unlink, sync::create_caregiver, sync::link, sync::alerts, sync::acknowledge,
        sync::rule_pack,
    ),
    modifiers(&ApiKeyAuth),
    security(("api_key" = [])),
    tags(
        (name = "Sessions", description = "A check that unfolds: a call, event by event"),
        (name = "MoneyGuard", description = "A request to send money"),
        (name = "InboxGuard", description = "A message or a link"),
        (name = "IdentityWatch", description = "Signs of identity theft"),
        (name = "Operations", description = "Health, metrics and the data-retention policy"),
        (name = "Sync", description = "Devices enrol and push their checks (each record stored once), trusted contacts \
(caregivers) link with a code the person shares and see alerts for high-risk checks, devices fetch the signed rule pack. \
Devices and caregivers send `Authorization: Bearer <token>`"),
    )
)]
pub struct ApiDoc;

struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
        components.add_security_scheme("device_token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme("caregiver_token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The document as served.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_json().unwrap_or_else(|_| "{}".to_owned())
}
