//! Markdown of articles: rendered to HTML that nothing a writer types can turn into script.
//!
//! Raw HTML in the source (blocks and inline tags) is shown as text, escaped; links and
//! images keep only `http`, `https` and `mailto` addresses or relative ones, so
//! `javascript:` and `data:` addresses never reach a page.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// The HTML of `markdown`, safe to insert into a page.
pub fn to_html(markdown: &str) -> String {
    // Whether each open link was dropped, so its end is dropped too.
    let mut dropped_links: Vec<bool> = Vec::new();
    let mut dropped_images: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let unsafe_link = !is_safe_url(dest_url);
            dropped_links.push(unsafe_link);
            (!unsafe_link).then_some(event)
        }
        Event::End(TagEnd::Link) => {
            let dropped = dropped_links.pop().unwrap_or(false);
            (!dropped).then_some(event)
        }
        Event::Start(Tag::Image { ref dest_url, .. }) => {
            let unsafe_image = !is_safe_url(dest_url);
            dropped_images.push(unsafe_image);
            (!unsafe_image).then_some(event)
        }
        Event::End(TagEnd::Image) => {
            let dropped = dropped_images.pop().unwrap_or(false);
            (!dropped).then_some(event)
        }
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The text of `markdown` without its markup, for the search index.
pub fn to_plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) if !out.ends_with('\n') => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// Whether a link or image address is harmless: relative, or `http`, `https`, `mailto`.
fn is_safe_url(url: &str) -> bool {
    // Browsers ignore whitespace and control characters inside a scheme (`java\tscript:`).
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_end = cleaned.find(':');
    let path_start = cleaned.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), Some(path)) if path < colon => true,
        (Some(colon), _) => matches!(&cleaned[..colon], "http" | "https" | "mailto"),
        (None, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html(
            "# 真鶴町へようこそ\n\n**海**と[町のサイト](https://www.town.manazuru.kanagawa.jp/)",
        );
        assert!(html.contains("<h1>真鶴町へようこそ</h1>"), "{html}");
        assert!(html.contains("<strong>海</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://www.town.manazuru.kanagawa.jp/">町のサイト</a>"#),
            "{html}"
        );
    }

    #[test]
    fn raw_html_is_escaped_and_script_addresses_are_dropped() {
        let html = to_html(
            "<script>alert(1)</script>\n\n本文 <img src=x onerror=alert(1)> \
             [押して](javascript:alert(1)) [a](JaVa\tScRiPt:alert(1)) ![画像](data:text/html;base64,AAAA) \
             [相対](/guide#move)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:text/html"), "{html}");
        assert!(html.contains("押して"), "the link text stays: {html}");
        assert!(html.contains(r#"<a href="/guide#move">相対</a>"#), "{html}");
    }

    #[test]
    fn plain_text_drops_the_markup() {
        assert_eq!(
            to_plain_text("## 見出し\n\n- **一**つ目\n- 二つ目"),
            "見出し\n一つ目\n二つ目"
        );
    }

    #[test]
    fn only_harmless_schemes_are_safe() {
        for safe in [
            "https://a.jp",
            "http://a.jp",
            "mailto:x@a.jp",
            "/p",
            "#top",
            "p?q=a:b",
            "../x:y",
        ] {
            assert!(is_safe_url(safe), "{safe}");
        }
        for unsafe_url in [
            "javascript:alert(1)",
            " vbscript:x",
            "data:x",
            "file:///etc",
        ] {
            assert!(!is_safe_url(unsafe_url), "{unsafe_url}");
        }
    }
}
