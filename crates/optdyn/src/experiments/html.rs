//! Small HTML helpers shared by the report pages.

/// Escapes `&`, `<` and `>` for text inside an HTML element.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `s` as a preformatted block.
pub fn pre(s: &str) -> String {
    format!("<pre>{}</pre>\n", escape(s))
}
