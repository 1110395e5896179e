// Plain-word labels for the keys the back end understands. Data only: no logic here.
// The keys must match the engine's lists exactly; the labels are what a person reads.

/** Call warning signs, grouped the way a person notices them during a call. */
export const CALL_GROUPS = [
  {
    title: "Who they say they are",
    signals: [
      ["bank_impersonation", "Says they're from my bank"],
      ["government_impersonation", "Says they're from the government or the tax office"],
      ["tech_support", "Says my computer has a problem"],
      ["grandparent_scam", "Pretends to be a grandchild in trouble"],
      ["family_emergency_scam", "Says someone in my family has an emergency"],
      ["medicare_scam", "Calls about Medicare"],
      ["health_insurance_scam", "Calls about my health insurance"],
      ["charity_scam", "Asks me to give to a charity"],
      ["contractor_scam", "Says they're a builder or workman"],
    ],
  },
  {
    title: "What they want from me",
    signals: [
      ["verification_code_request", "Wants a code sent to my phone"],
      ["remote_access_request", "Wants to get on my computer"],
      ["gift_cards", "Asks for gift cards"],
      ["crypto_payment", "Wants Bitcoin or crypto"],
      ["upfront_payment_request", "Wants money paid up front"],
      ["asks_to_keep_secret", "Says keep it secret"],
    ],
  },
  {
    title: "How they behave",
    signals: [
      ["urgency", "Rushes me, says it can't wait"],
      ["threats_or_arrest", "Says I'll be arrested or threatens me"],
      ["caller_id_mismatch", "The number on my phone doesn't match who they say they are"],
      ["wont_meet_in_person", "Won't meet in person"],
      ["refuses_video_chat", "Won't do a video call"],
    ],
  },
  {
    title: "What they promise or talk about",
    signals: [
      ["too_good_to_be_true", "Offers something too good to be true"],
      ["lottery_scam", "Says I won a lottery"],
      ["sweepstakes_scam", "Says I won a prize or a draw"],
      ["investment_scam", "Offers an investment that can't lose"],
      ["romance_scam", "Someone I met online says they love me and needs money"],
      ["disaster_relief_scam", "Asks for money after a disaster"],
      ["home_repair_scam", "Says my home needs urgent repairs"],
    ],
  },
];

/** Signs that someone may be using a person's identity. */
export const IDENTITY_SIGNALS = [
  ["account_opened", "An account I didn't open was opened in my name"],
  ["suspicious_inquiry", "My credit report shows a credit check I didn't ask for"],
  ["password_reset_unknown", "I got a password-reset message I didn't ask for"],
  ["new_device_login", "I was told someone signed in to my account from a phone or computer that isn't mine"],
  ["address_change", "My address was changed without me, or my post has stopped coming"],
  ["credit_freeze_request", "Someone tried to lift or change my credit freeze, and it wasn't me"],
  ["reused_passwords", "I use the same password for several accounts"],
  ["clicked_suspicious_link", "I clicked a link in a message, and now I'm worried"],
  ["ssn_requested_unexpectedly", "Someone asked for my Social Security number out of the blue"],
];

/** How they want to be paid. */
export const PAYMENT_METHODS = [
  ["gift_card", "Gift cards"],
  ["wire_transfer", "Wire transfer"],
  ["bank_transfer", "Bank transfer"],
  ["crypto", "Bitcoin or crypto"],
  ["zelle", "Zelle"],
  ["venmo", "Venmo"],
  ["cash_app", "Cash App"],
  ["paypal", "PayPal"],
  ["western_union", "Western Union"],
  ["moneygram", "MoneyGram"],
  ["cash", "Cash, handed over"],
  ["cash_courier", "Cash picked up by a courier"],
  ["cash_mail", "Cash sent in the post"],
  ["check", "A check"],
  ["credit_card", "Credit card"],
  ["debit_card", "Debit card"],
  ["prepaid_card", "Prepaid card"],
  ["other", "Some other way"],
];

/** Who the person asking for money says they are. `null` means "I'm not sure". */
export const IMPERSONATION = [
  ["bank", "My bank"],
  ["government", "The government, tax office or Social Security"],
  ["police", "The police, a court or a lawyer"],
  ["tech_support", "Computer or internet support"],
  ["family", "A family member or friend"],
  ["romance", "Someone I met online or a sweetheart"],
  ["business", "A company or a shop"],
  ["utility", "My power, water or phone company"],
  ["charity", "A charity or church"],
  ["investment", "An investment adviser"],
  ["lottery", "A lottery or a prize draw"],
  ["other", "Someone else"],
  ["none", "No one special: I'm paying for something I chose"],
  [null, "I'm not sure"],
];

/** The yes/no questions before sending money, one per screen. */
export const MONEY_QUESTIONS = [
  ["did_they_contact_you_first", "Did they contact you first?", "A call, text or e-mail you didn't expect."],
  ["urgency_present", "Are they rushing you?", "For example: \u201Cit must be today\u201D or \u201Cright now\u201D."],
  ["asked_to_keep_secret", "Did they ask you to keep it secret?", "Even from your bank or your family."],
  ["asked_for_verification_code", "Did they ask for a code?", "A code sent to your phone or e-mail."],
  ["asked_for_remote_access", "Did they ask to get onto your computer or phone?", "For example, to install an app or \u201Cfix\u201D something."],
];

/** Where a message arrived. */
export const CHANNELS = [
  ["sms", "Text message"],
  ["email", "E-mail"],
  ["whatsapp", "WhatsApp"],
  ["other", "Somewhere else"],
];

/** The four checks, in plain words. */
export const MODULE_NAMES = {
  callguard: "Phone call",
  moneyguard: "Sending money",
  inboxguard: "Message or link",
  identitywatch: "My identity",
};

/** Each risk level in words. */
export const LEVEL_WORDS = {
  high: "High risk \u2014 this looks like a scam",
  medium: "Medium risk \u2014 be careful",
  low: "Low risk \u2014 no strong signs of a scam",
};

/** Short forms, for lists and the live call panel. */
export const LEVEL_SHORT = {
  high: "High risk",
  medium: "Medium risk",
  low: "Low risk",
};
