//! Compact JSON output, byte for byte what `serde_json::to_writer` writes, but faster on
//! the long plain strings an answer is made of (reasons, checklist details, scripts).
//!
//! Why: in `batch`, writing the ~1.3 KB answer with serde_json took about a quarter of the
//! time per line, almost all of it in serde_json's byte-by-byte string escaping. This
//! serializer checks 32 bytes at a time (compiled to SIMD compares) for anything that
//! needs escaping and copies clean runs whole. Everything that is not a string, an integer or a struct (floats, map keys)
//! is handed to serde_json itself, so the output cannot drift from it; the tests compare
//! the two on real answers and on awkward strings.
//!
//! The shape is still the engine's `Serialize` derive: this only decides how the bytes
//! are spelled, never which fields there are.

use std::fmt::Display;

use serde::ser::{self, Serialize};

/// Appends `value` as compact JSON to `out`.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Serializer { out })
}

/// Why a value could not be written (only values JSON cannot express, such as a map with
/// non-string keys; never the engine's answers).
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error(e.to_string())
    }
}

struct Serializer<'a> {
    out: &'a mut Vec<u8>,
}

/// Bytes that JSON strings must escape: `"`, `\` and the controls below 0x20.
#[inline]
fn needs_escape(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\')
}

/// For each byte of `word` that needs escaping, the high bit of that byte (SWAR: the
/// "has a zero byte" / "has a byte less than n" tricks). Bytes above the first flagged
/// one may be flagged falsely (borrows), so only the lowest flag is exact.
#[inline]
fn escape_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    (below_space | zero_bytes(word ^ (ONES * u64::from(b'"'))) | zero_bytes(word ^ (ONES * u64::from(b'\\')))) & HIGHS
}

const BLOCK: usize = 32;

/// Whether any byte of a 32-byte block needs escaping. No early exit, so this compiles
/// to a few SIMD compares.
#[inline]
fn block_is_dirty(block: &[u8]) -> bool {
    block.iter().fold(0u8, |acc, &b| acc | u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\')) != 0
}

/// Writes `s` as a JSON string, escaped exactly as serde_json does.
fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0; // first byte not yet written
    let mut i = 0;
    let escape_at = |out: &mut Vec<u8>, start: &mut usize, at: usize| {
        out.extend_from_slice(&bytes[*start..at]);
        write_escape(out, bytes[at]);
        *start = at + 1;
    };
    // 32 bytes at a time while they last…
    while let Some(block) = bytes.get(i..i + BLOCK) {
        if block_is_dirty(block) {
            for at in i..i + BLOCK {
                if needs_escape(bytes[at]) {
                    escape_at(out, &mut start, at);
                }
            }
        }
        i += BLOCK;
    }
    // …then 8 at a time, jumping to each byte that needs escaping…
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mask = escape_mask(u64::from_le_bytes(word));
        if mask == 0 {
            i += 8;
        } else {
            let at = i + (mask.trailing_zeros() / 8) as usize;
            escape_at(out, &mut start, at);
            i = at + 1;
        }
    }
    // …and the last few one by one.
    for at in i..bytes.len() {
        if needs_escape(bytes[at]) {
            escape_at(out, &mut start, at);
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn write_escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]),
    }
}

fn write_display(out: &mut Vec<u8>, v: impl Display) {
    use std::io::Write;
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{v}");
}

impl<'a, 'b> ser::Serializer for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        write_display(self.out, v);
        Ok(())
    }
    // Floats: serde_json's own spelling (ryu; `null` for NaN and infinities).
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v).map_err(Error::from)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v).map_err(Error::from)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'[');
        Ok(Compound { ser: self, first: true, close: b"]" })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'b>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'b>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Compound { ser: self, first: true, close: b"]}" })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'{');
        Ok(Compound { ser: self, first: true, close: b"}" })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'b>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.extend_from_slice(b":{");
        Ok(Compound { ser: self, first: true, close: b"}}" })
    }
}

/// An array, object or variant being written: commas between, `close` at the end.
struct Compound<'a, 'b> {
    ser: &'b mut Serializer<'a>,
    first: bool,
    close: &'static [u8],
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.ser.out.push(b',');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.ser)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        write_str(self.ser.out, key);
        self.ser.out.push(b':');
        value.serialize(&mut *self.ser)
    }

    fn finish(self) -> Result<(), Error> {
        self.ser.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        // Keys are rare here (no answer has a map); let serde_json decide how a key is
        // spelled (strings as they are, numbers and bools quoted, others refused).
        let mut probe = std::collections::BTreeMap::new();
        probe.insert(Key(key), ());
        let text = serde_json::to_vec(&probe)?;
        // `{"key":null}` → `"key"`
        let end = text.len().saturating_sub(6);
        self.ser.out.extend_from_slice(text.get(1..end).ok_or_else(|| <Error as ser::Error>::custom("bad map key"))?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.ser.out.push(b':');
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// A borrowed map key, ordered trivially (the probe map has one entry).
struct Key<'k, T: ?Sized>(&'k T);

impl<T: Serialize + ?Sized> Serialize for Key<'_, T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
impl<T: ?Sized> PartialEq for Key<'_, T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T: ?Sized> Eq for Key<'_, T> {}
impl<T: ?Sized> PartialOrd for Key<'_, T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: ?Sized> Ord for Key<'_, T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use guardian_engine::{
        AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, Channel, Engine, IdentityCheckRequest,
        MoneyAssessRequest,
    };
    use serde::Serialize;

    #[track_caller]
    fn same_as_serde_json<T: Serialize>(value: &T) {
        let mut ours = Vec::new();
        super::write(&mut ours, value).unwrap_or_else(|e| panic!("{e}"));
        let theirs = serde_json::to_vec(value).unwrap();
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
    }

    #[test]
    fn strings_are_escaped_exactly_like_serde_json() {
        let mut awkward: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "a \"quoted\" back\\slash".into(),
            "tab\tnewline\ncarriage\rbell\u{7}esc\u{1b}nul\0 del\u{7f} bs\u{8} ff\u{c}".into(),
            "émoji 🎁 gift — “smart quotes” \u{2028}\u{2029} \u{202e}rtl".into(),
            "exactly sixteen!".into(),
            "sixteen + one...\"".into(),
            "\"".repeat(40),
        ];
        for n in 0..70 {
            let mut s = "x".repeat(n);
            s.push('\n');
            s.push_str(&"y".repeat(70 - n));
            awkward.push(s);
        }
        for c in 0u8..0x80 {
            for at in 0..9 {
                awkward.push(format!("{}{}{}", "a".repeat(at), c as char, "b".repeat(17)));
            }
        }
        for c in ['"', '\\', '\u{1f}', '\u{0}', ' ', '\u{7f}', '!', 'é'] {
            for at in 0..80 {
                awkward.push(format!("{}{c}{}", "a".repeat(at), "b".repeat(80 - at)));
                awkward.push(format!("{}{c}{c}", "a".repeat(at)));
            }
        }
        for c in ['\u{80}', '\u{a2}', '\u{ff}', '\u{100}', '\u{2022}', '\u{fffd}', '\u{1f381}'] {
            for at in 0..9 {
                awkward.push(format!("{}{c}\"{}", "a".repeat(at), "b".repeat(9)));
            }
        }
        for s in &awkward {
            same_as_serde_json(s);
        }
        same_as_serde_json(&awkward);
    }

    #[test]
    fn other_values_match_serde_json() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(i32, f64),
            Struct { a: Option<bool>, b: Vec<u64> },
        }
        #[derive(Serialize)]
        struct S<'a> {
            n: i64,
            f: f64,
            nan: f64,
            c: char,
            none: Option<u8>,
            bytes: &'a [u8],
            map: BTreeMap<String, bool>,
            int_keys: BTreeMap<u32, &'a str>,
            e: Vec<E>,
            t: (u8, &'a str),
            unit: (),
        }
        let value = S {
            n: -42,
            f: 0.1 + 0.2,
            nan: f64::NAN,
            c: '"',
            none: None,
            bytes: b"ab",
            map: [("new_device_login".to_string(), true), ("quote\"key".to_string(), false)].into(),
            int_keys: [(7, "seven")].into(),
            e: vec![E::Unit, E::New(3), E::Tuple(-1, 1e300), E::Struct { a: Some(true), b: vec![u64::MAX] }],
            t: (1, "x"),
            unit: (),
        };
        same_as_serde_json(&value);
        same_as_serde_json(&BTreeMap::<String, u8>::new());
        same_as_serde_json(&Vec::<u8>::new());
    }

    #[test]
    fn real_answers_match_serde_json() {
        let engine = Engine::bundled().unwrap_or_else(|e| panic!("{e}"));
        let texts = [
            "URGENT: your bank account is locked. Pay the fee in Google Play gift cards now! Call 1-800-555-0100",
            "Your verification code is 482913. Never share this code with anyone.",
            "Grandma it's me, I'm in jail, send bail money, don't tell Mum \"please\"\nvisit www.bail-help.top",
            "Hi\tthere\r\n\u{1b}[31m red \u{7} émoji 🎁",
        ];
        for text in texts {
            for channel in [Channel::Sms, Channel::Email, Channel::Other] {
                let r = engine.analyze_text(&AnalyzeTextRequest { text: text.into(), channel }).unwrap();
                same_as_serde_json(&r);
            }
        }
        for url in ["https://www.example.com/", "http://user:pw@192.168.0.1:8080/verify?x=\"1\"", "https://xn--pypal-4ve.com/login"] {
            if let Ok(r) = engine.analyze_url(&AnalyzeUrlRequest { url: url.into() }) {
                same_as_serde_json(&r);
            }
        }
        let money = MoneyAssessRequest {
            amount: 2500.5,
            payment_method: "carrier pigeon".into(),
            recipient: String::new(),
            reason: "tax debt \"or jail\"".into(),
            did_they_contact_you_first: true,
            urgency_present: true,
            asked_to_keep_secret: true,
            asked_for_verification_code: false,
            asked_for_remote_access: true,
            impersonation_type: Some("irs".into()),
            session_id: None,
        };
        same_as_serde_json(&engine.assess_money(&money).unwrap());
        same_as_serde_json(&money);
        let call = CallAssessRequest { signals: vec!["gift_cards".into(), "nonsense\n".into()], transcript: Some("buy gift cards".into()) };
        same_as_serde_json(&engine.assess_call(&call));
        let identity = IdentityCheckRequest { signals: [("new_device_login".to_string(), true), ("x".to_string(), true)].into() };
        same_as_serde_json(&engine.check_identity(&identity));
        same_as_serde_json(&identity);
    }
}
