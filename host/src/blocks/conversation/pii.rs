//! Masking personal data in conversation text, for the embedded components
//! (daprd does it itself). Each email address, IPv4 address, US social
//! security number, payment card number and phone number becomes a
//! placeholder naming its kind, as Dapr writes them (`<EMAIL_ADDRESS>`,
//! `<IP>`, `<US_SSN>`, `<CREDIT_CARD>`, `<PHONE_NUMBER>`). Dapr recognizes
//! more kinds (street addresses, ZIP codes, IBANs...); those are left alone
//! here.

use std::sync::LazyLock;

use regex::Regex;

/// The kinds recognized, most specific first: where matches overlap, the
/// earlier kind wins.
static KINDS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
            "<EMAIL_ADDRESS>",
        ),
        (
            r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b",
            "<IP>",
        ),
        (r"\b\d{3}-\d{2}-\d{4}\b", "<US_SSN>"),
        (r"\b(?:\d[ \-]?){12,18}\d\b", "<CREDIT_CARD>"),
        (
            r"(?:\+\d{1,3}[ .\-]?)?\(?\b\d{3}\)?[ .\-]?\d{3}[ .\-]?\d{4}\b",
            "<PHONE_NUMBER>",
        ),
    ]
    .into_iter()
    .map(|(pattern, placeholder)| (Regex::new(pattern).expect("a valid pattern"), placeholder))
    .collect()
});

/// `text` with the personal data it holds masked.
pub fn scrub(text: &str) -> String {
    let mut found: Vec<(usize, usize, &str)> = Vec::new();
    for (regex, placeholder) in KINDS.iter() {
        for m in regex.find_iter(text) {
            if !found.iter().any(|&(s, e, _)| m.start() < e && s < m.end()) {
                found.push((m.start(), m.end(), placeholder));
            }
        }
    }
    found.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, placeholder) in found {
        out.push_str(&text[at..start]);
        out.push_str(placeholder);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn masks_each_kind_and_leaves_the_rest() {
        assert_eq!(
            scrub("Mail jane.doe@example.com from 192.168.1.20, call +1 555-123-4567."),
            "Mail <EMAIL_ADDRESS> from <IP>, call <PHONE_NUMBER>."
        );
        assert_eq!(
            scrub("SSN 123-45-6789, card 4111 1111 1111 1111"),
            "SSN <US_SSN>, card <CREDIT_CARD>"
        );
        assert_eq!(
            scrub("nothing personal here, 42 times"),
            "nothing personal here, 42 times"
        );
        assert_eq!(scrub("ünïcödé ☀ a@b.io"), "ünïcödé ☀ <EMAIL_ADDRESS>");
    }
}
