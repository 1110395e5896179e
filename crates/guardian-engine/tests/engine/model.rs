//! The learned models: their bands are named rules with phrases, a damaged model stops the
//! engine, and input that is not language stays low.

use guardian_engine::classifier::{LinearModel, ModelError, ModelKind};
use guardian_engine::{Channel, Engine, EngineError, Level, Models, PackSources};

use crate::util::{analyze, analyze_url, email, sms, summary};

const TEXT_MODEL: &[u8] = include_bytes!("../../model/text.tgm");
const URL_MODEL: &[u8] = include_bytes!("../../model/url.tgm");

#[test]
fn a_scam_message_names_the_model_band_and_the_phrases_behind_it() {
    let text = "WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! \
                To claim call 09061701461. Claim code KL341. Valid 12 hours only.";
    let r = sms(text);
    assert_eq!(r.level, Level::High, "{}", summary(&r));
    let band = r.metadata.rules.iter().find(|id| id.starts_with("TEXT_MODEL_P")).expect("a model band fired");
    assert!(r.metadata.model_score.is_some_and(|p| p >= 90), "{}", summary(&r));
    let credited: Vec<_> = r.metadata.matched_phrases.iter().filter(|m| &m.rule == band).collect();
    assert!(!credited.is_empty() && credited.len() <= 5, "{credited:?}");
    for m in credited {
        assert!(m.start < m.end && m.end <= text.len(), "{m:?}");
        assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
    }
}

#[test]
fn an_everyday_message_gets_no_model_points() {
    let r = sms("ok see you at the station at 6, I'll bring the sandwiches");
    assert_eq!(r.level, Level::Low, "{}", summary(&r));
    assert!(r.metadata.model_score.is_some_and(|p| p < 10), "{}", summary(&r));
    let r = email("From: Jo\nSubject: minutes\n\nHi all, the minutes of Tuesday's meeting are attached. Jo");
    assert_eq!(r.level, Level::Low, "{}", summary(&r));
}

#[test]
fn links_are_read_by_the_link_model() {
    let phishing = analyze_url("http://myetherwallet-login.claim-airdrop.top/connect").unwrap();
    let known = analyze_url("https://www.bbc.co.uk/news").unwrap();
    assert!(phishing.metadata.model_score > known.metadata.model_score);
    assert!(phishing.metadata.rules.iter().any(|id| id.starts_with("URL_MODEL_P")), "{}", summary(&phishing));
    assert!(!known.metadata.rules.iter().any(|id| id.starts_with("URL_MODEL_P9")), "{}", summary(&known));
}

#[test]
fn the_same_words_never_weigh_less_by_text_message() {
    // The channel is not a feature; only the rules' own "arrived by text" finding is.
    // (Points may differ: a text message with no scam sign gets TEXT_WORDING's small ones.)
    for text in [
        "Your account is on hold. Confirm your details at the link below to avoid suspension.",
        "Thanks for lunch, see you next week",
    ] {
        let (by_sms, by_email) = (sms(text), email(text));
        assert!(by_sms.metadata.model_score >= by_email.metadata.model_score, "{text}");
    }
}

#[test]
fn the_shipped_models_load_and_the_engine_builds_with_them() {
    let models = Models::bundled().expect("the bundled models load");
    assert!(TEXT_MODEL.len() + URL_MODEL.len() < 2 * 1024 * 1024, "models are over the 2 MB budget");
    let engine = Engine::with_models(&PackSources::BUNDLED, models).expect("pack and models agree");
    assert!(!engine.pack_version().is_empty());
}

#[test]
fn a_damaged_model_is_refused_never_used() {
    for (bytes, kind) in [(TEXT_MODEL, ModelKind::Text), (URL_MODEL, ModelKind::Url)] {
        assert!(LinearModel::parse(bytes, kind).is_ok());
        // One flipped bit anywhere is caught: in the header, the weights or the checksum.
        for at in [0, 6, 20, bytes.len() / 2, bytes.len() - 1] {
            let mut damaged = bytes.to_vec();
            damaged[at] ^= 0x01;
            assert!(LinearModel::parse(&damaged, kind).is_err(), "{kind} model with byte {at} flipped was accepted");
        }
        assert!(matches!(LinearModel::parse(&bytes[..bytes.len() / 2], kind), Err(ModelError::Damaged)));
        assert!(matches!(LinearModel::parse(b"", kind), Err(ModelError::NotAModel(_))));
    }
    // The error an app or server sees at start-up is the engine's own, and not the user's fault.
    let mut damaged = TEXT_MODEL.to_vec();
    damaged[100] ^= 0x80;
    let error = LinearModel::parse(&damaged, ModelKind::Text)
        .map_err(|error| EngineError::Model { kind: ModelKind::Text, error })
        .unwrap_err();
    assert!(!error.is_input_error());
    assert!(error.to_string().contains("text model"), "{error}");
}

#[test]
fn a_model_for_another_feature_set_is_refused() {
    let weights = vec![0.0f32; 1 << 12];
    let mut bytes = LinearModel::from_weights(ModelKind::Text, 0.0, &weights, (1.0, 0.0), "test").unwrap().to_bytes();
    // The feature-set field sits after magic, format, kind and bits; the checksum is redone.
    bytes[8] = bytes[8].wrapping_add(1);
    let body = bytes.len() - 8;
    let sum =
        bytes[..body].iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    bytes[body..].copy_from_slice(&sum.to_le_bytes());
    assert!(matches!(
        LinearModel::parse(&bytes, ModelKind::Text),
        Err(ModelError::Version { what: "feature set", .. })
    ));
}

#[test]
fn input_that_is_not_language_stays_low_without_errors() {
    for text in [
        "😀😀😀🎉🎉",
        "..... !!!!! ?????",
        "12345 67890 13579",
        "qwx zzkv pplm trrb",
        "\u{1}\u{2}\u{7f}",
        "ффффф ччччч",
        "你好，明天见",
        "a",
    ] {
        for channel in [Channel::Sms, Channel::Email] {
            let r = analyze(channel, text);
            assert_eq!(r.level, Level::Low, "{text:?} by {channel:?}: {}", summary(&r));
        }
    }
}
