//! InboxGuard text: real-world scam messages, their everyday look-alikes, and the
//! normalisation tricks scammers use to slip past filters.

use guardian_engine::Channel::{self, Email, Other, Sms, Whatsapp};
use guardian_engine::{AnalyzeTextRequest, Level};

use crate::util::{HIGH, LOW, WARN, analyze, assert_input_error, check_texts, email, engine, sms, summary};

/// Scams that must come out HIGH, several of each kind.
#[rustfmt::skip]
const SCAMS: &[(Channel, &str, crate::util::Expect)] = &[
    // Bank impersonation + gift cards
    (Sms, "This is the fraud department of your bank. Your account has been compromised. To protect your money, buy Google Play gift cards and send us the numbers on the back immediately.", HIGH),
    (Sms, "Wells Fargo Alert: suspicious activity on your debit card. Pay the verification fee with Apple gift cards today or your account will be closed.", HIGH),
    (Sms, "Chase fraud team: to reverse the unauthorized transaction, purchase $500 in Target gift cards and text the card numbers to this number urgently.", HIGH),
    // IRS / HMRC / SSA threat of arrest
    (Sms, "IRS: you owe back taxes of $4,890. A warrant for your arrest has been issued. Pay immediately with gift cards or bitcoin to avoid arrest. Call 202-555-0147.", HIGH),
    (Sms, "HMRC final notice: you have unpaid tax of £1,245. Legal action will be taken against you and you will be arrested unless you pay today. Call 020 7946 0321 now.", HIGH),
    (Sms, "This is the Social Security Administration. Your social security number has been suspended due to suspicious activity. Call 1-888-555-0199 immediately or face arrest.", HIGH),
    // Fake parcel fee with a link
    (Sms, "USPS: Your package could not be delivered due to an incomplete address. Pay the $1.99 redelivery fee at https://usps-redelivery-help.com/pay within 24 hours.", HIGH),
    (Sms, "Royal Mail: your parcel is on hold at our depot. A £2.99 shipping fee is due. Pay now: http://royalmail.parcel-fee.info/pay", HIGH),
    (Sms, "DHL: We attempted to deliver your parcel. Customs fee of €3.50 unpaid. Reschedule delivery: https://dhl-reschedule.top/track?id=8812", HIGH),
    // Unpaid toll with a link
    (Sms, "E-ZPass: You have an unpaid toll balance of $6.99. Pay now at https://ezpass-tolls.pay-now.xyz to avoid late fees.", HIGH),
    (Sms, "FasTrak: toll violation on your vehicle. Settle your outstanding balance of $12.51 today or a late fee will apply: https://fastrak-pay.cc/v", HIGH),
    (Sms, "SunPass notice: outstanding toll charges of $4.15. Pay within 12 hours to avoid penalties: http://sunpass.com-tollpay.info", HIGH),
    // "Hi Mum, new number"
    (Whatsapp, "Hi Mum, this is my new number, I dropped my phone in the toilet. I need to pay a bill urgently, can you transfer £450 for me? I'll pay you back tomorrow.", HIGH),
    (Whatsapp, "Hi Dad it's me, lost my phone so save this number. I'm in trouble and need money for rent today, can you send it? Don't tell mum x", HIGH),
    // Prize win with a premium-rate number
    (Sms, "Congratulations! You have won a guaranteed £1000 cash prize. To claim call 09061701461 now. T&Cs apply, 150p/min.", HIGH),
    (Sms, "WINNER!! As a valued customer you have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only.", HIGH),
    (Sms, "URGENT! Your mobile number has won £2,000 in our prize draw. Call 09050000327 to claim your prize before midnight.", HIGH),
    // Tech support / subscription renewal with a phone number
    (Email, "Your Norton subscription renewal of $399.99 was successful. If you did not authorize this, call our refund department immediately at 1-888-555-0123.", HIGH),
    (Sms, "WARNING: virus detected on your computer. Your computer has been locked. Call Microsoft support at 1-800-555-0101 immediately and do not turn off your computer.", HIGH),
    // Crypto investment with guaranteed returns
    (Whatsapp, "Guaranteed returns of 20% a month on our crypto trading platform! Deposit as little as $250 in bitcoin and withdraw your profits daily. Join now: https://cryptoprofit.example/signup", HIGH),
    (Whatsapp, "Hello dear, I am an expert trader. My investment plan gives guaranteed profits of 300% in 7 days. Send USDT to my wallet address to start.", HIGH),
    (Email, "Double your money in 48hrs with our bitcoin mining pool. Risk free investment, daily profits. Pay the deposit to our crypto wallet today.", HIGH),
    // Account suspended + verify link
    (Sms, "Your account has been suspended due to unusual activity. Verify your account within 24 hours at http://secure-login-verify.com/account or it will be closed.", HIGH),
    (Email, "PayPal: we noticed unusual sign in activity. Your account has been limited. Log in to verify your identity: http://paypal.com.account-verify.ru/signin", HIGH),
    (Email, "Amazon: your account is on hold. Confirm your payment details here to restore access: https://amaz0n-account-restore.net/login", HIGH),
    // "I sent you a code by mistake"
    (Sms, "Hi, I sent you a code by mistake, can you send me the code please? It's urgent.", HIGH),
    (Whatsapp, "WhatsApp support: we sent a verification code to confirm your account. Reply with the code within 10 minutes or your account will be deleted.", HIGH),
    (Whatsapp, "Hello mum, new phone number! Can you do me a favour, I need £870 transferred to my friend's bank account asap, my banking app is locked.", HIGH),
    (Email, "Geek Squad: your auto renewal of $349.99 has been processed. To cancel and get a refund, call customer service now on (855) 555-0198.", HIGH),
    (Whatsapp, "Sorry, I accidentally sent a 6 digit code to your phone by mistake. Can you forward me the code? Thanks!", HIGH),
];

/// Suspicious enough that the person should at least slow down.
#[rustfmt::skip]
const SUSPICIOUS: &[(Channel, &str, crate::util::Expect)] = &[
    (Sms, "Dear Customer, your account needs attention. Please log in to verify your information: https://secure-update.example.com", WARN),
    (Sms, "FREE entry into our £250 weekly competition just text WIN to 80086 NOW. 18 T&C's apply", WARN),
    (Sms, "Your parcel is waiting for delivery. Please confirm your address: https://parcel-track.example/c", WARN),
    (Sms, "Congratulations, you have been selected for a free iPhone 15! Claim now: https://freephone.example/claim", WARN),
    (Sms, "Pay the fine with Google Play gift cards and send the numbers on the back", WARN),
    (Sms, "I'm from Microsoft, download AnyDesk so I can fix your computer", WARN),
    (Email, "You are eligible for a tax refund of 265.84 GBP. Fill in the form to receive it.", WARN),
    (Email, "Dear Friend, I am Mrs. Grace, widow of a late diplomat. I need a trustworthy partner to receive 10.5 million US dollars; you will get 40% of the total.", WARN),
    (Other, "Your computer has been infected with a virus. Call Apple support immediately.", WARN),
];

/// Everyday messages that look a little like scams but are not: they must stay LOW.
#[rustfmt::skip]
const EVERYDAY: &[(Channel, &str, crate::util::Expect)] = &[
    // A real bank alert that sends you to the number on your card and warns about codes
    (Sms, "Barclays: we've spotted an unusual payment on your card ending 4821. If you don't recognise it, please call us on the number on the back of your card. We will never ask you to share a code or move money.", LOW),
    // Real one-time codes
    (Sms, "Your verification code is 482913. Never share this code with anyone.", LOW),
    (Sms, "G-482913 is your Google verification code. Don't share it with anyone.", LOW),
    // Pharmacy reminders
    (Sms, "Boots: your prescription is ready to collect from Boots High Street. Opening hours 9am-6pm.", LOW),
    (Sms, "Walgreens: It's time to refill your prescription. Your pharmacy at Oak Ave will have it ready tomorrow after 2pm.", LOW),
    // Family
    (Sms, "Hi Mum, running a bit late, be there by 6. Do you need anything from the shop? Love you x", LOW),
    (Whatsapp, "Hi Grandma! Thanks so much for the birthday card and the money, I'm going to buy a new book with it. See you on Sunday x", LOW),
    (Sms, "Dad, I got the job!! Starting Monday. Call you tonight", LOW),
    // Doctor's appointment
    (Sms, "Reminder: you have an appointment with Dr Patel at Riverside Surgery on Tue 14 May at 10:30. To cancel or rebook please call 020 7946 0000.", LOW),
    // Delivery confirmations that ask for nothing
    (Sms, "Your Amazon order was delivered to the front porch. Thanks for shopping with us.", LOW),
    (Sms, "Royal Mail: your parcel was delivered today at 11:42 and left with your neighbour at number 12.", LOW),
    // A personal e-mail
    (Email, "Hi Margaret, it was lovely to see you at the church fair on Saturday. The photos came out well; I'll bring prints when we meet for coffee on Thursday. Best wishes, Joan", LOW),
    (Email, "Dear Tom, thanks for the notes from the meeting. I will bring the minutes on Friday.", LOW),
    (Sms, "My first appointment is on Monday.", LOW),
    (Sms, "Bank of America: Suspicious activity detected on your debit card ending 1234. If this wasn't you, call the number on the back of your card. We will never ask you for a code or PIN by text.", LOW),
    (Sms, "Chase Fraud Alert: Did you attempt a $45.20 purchase at TARGET on 03/14? If not, call the number on the back of your card. Chase will never ask for your PIN or a one-time code.", LOW),
    (Sms, "CVS Pharmacy: Your prescription is ready for pickup at 123 Main St. Reply STOP to opt out.", LOW),
];

#[test]
fn scams_are_high() {
    check_texts(SCAMS);
}

#[test]
fn suspicious_messages_are_at_least_medium() {
    check_texts(SUSPICIOUS);
}

#[test]
fn everyday_messages_are_low() {
    check_texts(EVERYDAY);
}

#[test]
fn empty_or_blank_text_is_an_input_error() {
    for blank in ["", " ", "   \n\t  ", "\r\n", "\u{00A0}", "\u{3000}\u{2003}"] {
        let result = engine().analyze_text(&AnalyzeTextRequest { text: blank.into(), channel: Sms });
        assert_input_error(result, "text");
    }
    // Anything with a visible character is assessed, however odd.
    for odd in [".", "?", "🙂", "\u{200B}x", "1"] {
        analyze(Other, odd);
    }
}

#[test]
fn every_answer_has_one_reason_per_rule_and_a_pack_version() {
    for &(channel, text, _) in SCAMS.iter().chain(SUSPICIOUS).chain(EVERYDAY) {
        let r = analyze(channel, text);
        assert_eq!(r.reasons.len(), r.metadata.rules.len(), "{text}");
        assert_eq!(r.metadata.pack_version, engine().pack_version());
        assert!(!r.metadata.pack_version.trim().is_empty());
    }
}

#[test]
fn a_scam_arriving_by_text_scores_at_least_as_high_as_by_email() {
    for &(_, text, _) in SCAMS.iter().chain(SUSPICIOUS) {
        let by_email = analyze(Email, text);
        for channel in [Sms, Whatsapp] {
            let by_text = analyze(channel, text);
            assert!(
                by_text.score >= by_email.score,
                "{text}\n  by {}: {}\n  by email: {}",
                channel.as_str(),
                summary(&by_text),
                summary(&by_email)
            );
        }
    }
}

// ------------------------------------------------------------------ obfuscation

/// The scam and the same scam dressed up to dodge keyword filters.
#[rustfmt::skip]
const DISGUISES: &[(&str, &[&str])] = &[
    (
        "URGENT: this is the IRS. Pay the fine today with Google Play gift cards and send the numbers on the back.",
        &[
            // Cyrillic look-alike letters (а е о р с)
            "URGENT: this is the IRS. Pаy the fine todаy with Gооgle Plаy gift cаrds аnd send the numbers оn the bаck.",
            "URGENT: this is the IRS. Pay the fine today with Google Play gіft сards and send the numbers on the back.",
            // Letters spaced out
            "URGENT: this is the IRS. Pay the fine today with Google Play g i f t c a r d s and send the numbers on the back.",
            "URGENT: this is the IRS. Pay the fine today with Google Play g.i.f.t c.a.r.d.s and send the numbers on the back.",
            // Zero-width spaces and soft hyphens inside words
            "URGENT: this is the IRS. Pay the fine today with Google Play gi\u{200B}ft ca\u{200B}rds and send the numbers on the back.",
            "URGENT: this is the IRS. Pay the fine today with Google Play gi\u{00AD}ft c\u{FEFF}ards and send the numbers on the back.",
            // Digits for letters
            "URGENT: this is the IRS. Pay the fine today with Google Play g1ft c4rds and send the numbers on the back.",
            // Full-width letters and odd case
            "URGENT: this is the IRS. Pay the fine today with Google Play ｇｉｆｔ ｃａｒｄｓ and send the numbers on the back.",
            "URGENT: this is the IRS. Pay the fine today with Google Play GiFt CaRdS and send the numbers on the back.",
        ],
    ),
    (
        "Hi, I sent you a code by mistake, can you send me the code please?",
        &[
            "Hi, I sent you a cоde by mistаke, can you send me the cоde please?",
            "Hi, I sent you a c o d e by mistake, can you send me the c o d e please?",
            "Hi, I sent you a co\u{200B}de by mistake, can you send me the co\u{200B}de please?",
            "Hi, I sent you a c0de by mistake, can you send me the c0de please?",
        ],
    ),
    (
        "Your account has been suspended. Verify your account now at http://192.168.7.3/login",
        &[
            "Your аccоunt hаs been suspended. Verify yоur аccоunt nоw аt http://192.168.7.3/login",
            "Your acc\u{200B}ount has been susp\u{200B}ended. Ver\u{200B}ify your acc\u{200B}ount now at http://192.168.7.3/login",
            "Your acc0unt has been suspend3d. Ver1fy your acc0unt now at http://192.168.7.3/login",
        ],
    ),
    (
        "Please download AnyDesk so I can get your refund back, and buy bitcoin at the bitcoin ATM",
        &[
            "Please download Аnу Dеsk so I can get your refund back, and buy bitcоin at the bitcоin АТМ",
            "Please download a n y d e s k so I can get your refund back, and buy b i t c o i n at the b i t c o i n ATM",
        ],
    ),
];

#[test]
fn disguised_scams_score_at_least_as_high_as_the_originals() {
    for &(original, disguises) in DISGUISES {
        let plain = sms(original);
        assert!(
            plain.level >= Level::Medium,
            "the original should already be a warning: {original}: {}",
            summary(&plain)
        );
        for &disguised in disguises {
            let r = sms(disguised);
            assert!(
                r.score >= plain.score,
                "disguise scored lower\n  original:  {original}\n    {}\n  disguised: {disguised}\n    {}",
                summary(&plain),
                summary(&r)
            );
        }
    }
}

// ------------------------------------------------------------------ matching details

/// Folds a piece of text as the matcher does, enough to compare a highlighted slice with
/// the phrase: lower case, letters and digits only.
fn letters(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[test]
fn matched_phrases_point_at_the_words_in_the_original_text() {
    for &(channel, text, _) in SCAMS.iter().chain(SUSPICIOUS) {
        let r = analyze(channel, text);
        assert!(!r.metadata.matched_phrases.is_empty(), "a scam shows what matched: {text}");
        for m in &r.metadata.matched_phrases {
            assert!(m.start < m.end && m.end <= text.len(), "{m:?} out of range in {text}");
            let slice = text.get(m.start..m.end).unwrap_or_else(|| panic!("{m:?} splits a character in {text}"));
            assert!(
                letters(slice).starts_with(&letters(&m.phrase)),
                "{m:?} highlights {slice:?}, which is not the phrase, in {text}"
            );
            assert_eq!(slice.trim(), slice, "{m:?} highlights surrounding spaces");
        }
    }
}

#[test]
fn matched_phrases_slice_disguised_text_on_character_boundaries() {
    let cases = [
        ("Please buy gift cards now", "gift cards"),
        ("Please buy gift cаrds now", "gift cаrds"),
        ("Please buy gi\u{200B}ft ca\u{200B}rds now", "gi\u{200B}ft ca\u{200B}rds"),
        ("🚨🚨 Please buy GIFT CARDS now 🚨", "GIFT CARDS"),
        ("Please buy g i f t c a r d s now", "g i f t c a r d s"),
        ("Please buy ｇｉｆｔ ｃａｒｄｓ now", "ｇｉｆｔ ｃａｒｄｓ"),
        ("Please buy g1ft c4rds now", "g1ft c4rds"),
    ];
    for (text, words) in cases {
        let r = sms(text);
        let hit = r
            .metadata
            .matched_phrases
            .iter()
            .find(|m| letters(&m.phrase) == "giftcard")
            .unwrap_or_else(|| panic!("no 'gift card' phrase in {text:?}: {:?}", r.metadata.matched_phrases));
        assert_eq!(&text[hit.start..hit.end], words, "in {text:?}: {hit:?}");
    }
}

#[test]
fn short_agency_names_only_match_whole_words() {
    // "irs" in "first", "ssa" in "message", "cra" in "crafts", "ice agent" in "police agent"…
    for text in [
        "My first appointment is on Monday.",
        "Theirs was the first house on the left.",
        "I left you a message about the crafts fair.",
        "The Dmvx group meets at the library.",
        "She is a police agent's daughter, nice girl.",
    ] {
        let r = sms(text);
        assert!(!r.metadata.rules.iter().any(|id| id == "TEXT_GOVERNMENT"), "{text}: {}", summary(&r));
        assert!(
            !r.metadata.matched_phrases.iter().any(|m| m.rule == "TEXT_GOVERNMENT"),
            "{text}: {:?}",
            r.metadata.matched_phrases
        );
    }
    for text in ["The IRS says you owe money.", "Message from HMRC about your tax."] {
        assert!(sms(text).metadata.rules.iter().any(|id| id == "TEXT_GOVERNMENT"), "{text}");
    }
}

#[test]
fn matched_phrases_only_name_rules_that_are_shown() {
    for &(channel, text, _) in SCAMS.iter().chain(SUSPICIOUS).chain(EVERYDAY) {
        let r = analyze(channel, text);
        for m in &r.metadata.matched_phrases {
            assert!(
                r.metadata.rules.contains(&m.rule),
                "{m:?} is not among the fired rules {:?} in {text}",
                r.metadata.rules
            );
        }
    }
    assert_eq!(sms("Hi Mum, running a bit late, be there by 6.").metadata.matched_phrases, []);
    // A shown rule's words are credited to it, not to a building block on the same span.
    let r = sms("Please buy gift cards now");
    assert!(r.metadata.matched_phrases.iter().any(|m| m.rule == "TEXT_GIFT_CARD"), "{:?}", r.metadata.matched_phrases);
}

#[test]
fn links_and_phone_numbers_are_listed() {
    let r = sms("Your parcel is held. Pay the fee at https://parcel-fee.example/pay or call 0800 123 4567.");
    assert!(r.metadata.urls.iter().any(|u| u.contains("parcel-fee.example")), "{:?}", r.metadata.urls);
    assert!(r.metadata.phone_numbers.iter().any(|p| p.contains("0800 123 4567")), "{:?}", r.metadata.phone_numbers);
    let r = email("Hi Margaret, the photos are on my blog. Joan");
    assert!(r.metadata.urls.is_empty() && r.metadata.phone_numbers.is_empty());
}

#[test]
fn high_risk_messages_say_what_to_do() {
    for &(channel, text, _) in SCAMS {
        let r = analyze(channel, text);
        if r.level == Level::High {
            assert!(!r.reasons.is_empty(), "{text}");
            assert_ne!(
                r.next_action,
                analyze(Sms, "Hi Mum, see you at 6").next_action,
                "a scam must not get the all-clear advice: {text}"
            );
        }
    }
}
