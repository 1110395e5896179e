//! The JSON body extractor: the body limit, the content type, UTF-8, syntax and types each
//! give their own 4xx with a detail naming the field, never a 500.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::config::BODY_LIMIT_BYTES;
use crate::error::ApiError;

/// A JSON request body of type `T`. Unknown fields are ignored, as the old server did.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if !(media_type == "application/json" || media_type.ends_with("+json")) {
            return Err(ApiError::status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected a JSON body with the header Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::status(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("Request body too large (limit {} KiB)", BODY_LIMIT_BYTES / 1024),
                )
            }
            other => ApiError::status(other.status(), format!("Cannot read the request body: {}", other.body_text())),
        })?;
        parse(&bytes).map(Body)
    }
}

/// Parses a JSON body, naming the field that failed.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::Validation {
            loc: vec!["body".to_owned()],
            msg: "The body is not valid UTF-8 text".to_owned(),
            kind: "json_invalid",
        });
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let kind = if inner.is_syntax() || inner.is_eof() { "json_invalid" } else { "value_error" };
        let mut loc = vec!["body".to_owned()];
        if path != "." {
            loc.extend(path.split('.').map(str::to_owned));
        }
        ApiError::Validation { loc, msg: describe(&inner), kind }
    })
}

/// serde's message without its "at line 1 column 7" tail (the loc says where).
fn describe(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardian_engine::MoneyAssessRequest;

    fn detail(error: ApiError) -> (Vec<String>, String, &'static str) {
        match error {
            ApiError::Validation { loc, msg, kind } => (loc, msg, kind),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        let (loc, msg, _) =
            detail(parse::<MoneyAssessRequest>(br#"{"amount": "lots", "payment_method": "cash"}"#).err().unwrap());
        assert_eq!(loc, ["body", "amount"]);
        assert!(msg.contains("not a number"), "{msg}");
        let (loc, msg, _) = detail(parse::<MoneyAssessRequest>(br#"{"amount": 5}"#).err().unwrap());
        assert_eq!(loc, ["body"]);
        assert!(msg.contains("payment_method"), "{msg}");
        let (loc, _, _) = detail(parse::<MoneyAssessRequest>(br#"{"amount": 5, "payment_method": 7}"#).err().unwrap());
        assert_eq!(loc, ["body", "payment_method"]);
    }

    #[test]
    fn syntax_and_encoding_are_json_invalid() {
        assert_eq!(detail(parse::<MoneyAssessRequest>(b"{\"amount\": ").err().unwrap()).2, "json_invalid");
        assert_eq!(detail(parse::<MoneyAssessRequest>(b"\xff\xfe").err().unwrap()).2, "json_invalid");
        let (_, msg, _) = detail(parse::<MoneyAssessRequest>(b"{\"amount\": NaN}").err().unwrap());
        assert!(!msg.contains("line"), "{msg}");
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let parsed: MoneyAssessRequest =
            parse(br#"{"amount": 5, "payment_method": "cash", "colour": "blue"}"#).unwrap();
        assert_eq!(parsed.payment_method, "cash");
    }
}
