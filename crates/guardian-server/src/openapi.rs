//! `/openapi.json`, generated from the handlers' annotations and the wire types.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

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
    ),
    modifiers(&ApiKeyAuth),
    security(("api_key" = [])),
    tags(
        (name = "Sessions", description = "A check that unfolds: a call, event by event"),
        (name = "MoneyGuard", description = "A request to send money"),
        (name = "InboxGuard", description = "A message or a link"),
        (name = "IdentityWatch", description = "Signs of identity theft"),
        (name = "Operations", description = "Health, metrics and the data-retention policy"),
    )
)]
pub struct ApiDoc;

struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
    }
}

/// The document as served.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_json().unwrap_or_else(|_| "{}".to_owned())
}
