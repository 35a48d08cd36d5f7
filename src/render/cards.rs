//! The `card(entry=..., level=2, compact=false)` template function: `partials/card.html` rendered
//! once per card and build, and the same HTML reused on every list page that shows the card.
//!
//! An entry appears on the home pages, its year's pages and the pages of each of its terms, so a
//! list of twenty cards is mostly cards rendered before; rendering each once removes most of the
//! template work of list pages. The partial is rendered with `entry`, `card_level`, `compact`
//! and the global context (`site`, `nav`) only, so that a card is the same wherever it is shown;
//! a theme whose card needs the page it is on includes `partials/card.html` itself (uncached).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

const TEMPLATE: &str = "partials/card.html";

/// Cached variants: heading levels 2 and 3, each full and compact. Other levels are rendered
/// every time (no default template uses them).
const VARIANTS: usize = 4;

struct Cache {
    /// The environment the cards render in: this build's templates, filters and global context.
    tera: Tera,
    /// Card URL → entry number (a card's URL is unique; it is the page of its entry).
    index: HashMap<String, usize>,
    html: Vec<[OnceLock<Value>; VARIANTS]>,
}

/// Registers `card` for one build, over the entries whose URLs are `entry_urls` (in site order).
/// Call after the global context is set: the cards render with it.
pub fn register(tera: &mut Tera, entry_urls: &[String]) {
    // The environment snapshot must not hold the previous build's function (and through it the
    // previous snapshot and cache): replace it first.
    placeholder(tera);
    let cache = Arc::new(Cache {
        tera: tera.clone(),
        index: entry_urls.iter().enumerate().map(|(i, u)| (u.clone(), i)).collect(),
        html: entry_urls.iter().map(|_| Default::default()).collect(),
    });
    tera.register_function("card", move |kwargs: Kwargs, _: &State| cache.card(&kwargs));
}

/// Declares `card` before templates are added (Tera checks that every function called exists),
/// and stands in for it inside the card partial itself.
pub fn placeholder(tera: &mut Tera) {
    tera.register_function("card", |_: Kwargs, _: &State| -> TeraResult<Value> {
        Err(tera::Error::message("`card()` cannot be called inside partials/card.html"))
    });
}

impl Cache {
    fn card(&self, kwargs: &Kwargs) -> TeraResult<Value> {
        // `card(entry=e, levle=3)` would otherwise render at the default level without a word.
        super::theme::known_kwargs("`card()`", kwargs, &["entry", "level", "compact"])?;
        let entry: Value = kwargs.must_get("entry")?;
        let level: i64 = kwargs.get("level")?.unwrap_or(2);
        let compact: bool = kwargs.get("compact")?.unwrap_or(false);
        let slot = match level {
            2 | 3 => entry
                .as_map()
                .and_then(|m| m.get(&tera::value::Key::Str("url")))
                .and_then(Value::as_str)
                .and_then(|url| self.index.get(url))
                .map(|&i| &self.html[i][(level as usize - 2) * 2 + usize::from(compact)]),
            _ => None,
        };
        match slot {
            Some(slot) => match slot.get() {
                Some(html) => Ok(html.clone()),
                None => {
                    let html = self.render(entry, level, compact)?;
                    Ok(slot.get_or_init(|| html).clone())
                }
            },
            None => self.render(entry, level, compact),
        }
    }

    fn render(&self, entry: Value, level: i64, compact: bool) -> TeraResult<Value> {
        let mut ctx = Context::new();
        ctx.insert_value("entry", entry);
        ctx.insert("card_level", &level);
        ctx.insert("compact", &compact);
        super::theme::render_partial(&self.tera, TEMPLATE, &ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(card: &str, list: &str) -> Tera {
        let mut tera = Tera::new();
        placeholder(&mut tera);
        tera.add_raw_templates(vec![(TEMPLATE, card), ("list.html", list)]).unwrap();
        tera.global_context().insert("site_title", "事件簿");
        tera
    }

    /// A list page's context: `entries`, one card per URL.
    fn page(urls: &[&str]) -> Context {
        let cards = urls.iter().map(|u| {
            let fields = [("url", Value::from(*u)), ("title", Value::from("<漏えい>"))];
            Value::from(fields.into_iter().collect::<std::collections::BTreeMap<_, _>>())
        });
        let mut ctx = Context::new();
        ctx.insert_value("entries", Value::from(cards.collect::<Vec<_>>()));
        ctx
    }

    #[test]
    fn a_card_renders_like_the_included_partial() {
        let card = "<h{{ card_level | default(value=2) }}>{{ entry.title }}</h{{ card_level | default(value=2) }}>\
                    {% if not compact %}{{ site_title }}{% endif %}";
        let list = "{% for entry in entries %}{{ card(entry=entry, level=3) }}|{% set card_level = 3 %}\
                    {% include \"partials/card.html\" %};{% endfor %}{{ card(entry=entries[0], compact=true) }}";
        let mut tera = env(card, list);
        register(&mut tera, &["/a/".into(), "/b/".into()]);
        let out = tera.render("list.html", &page(&["/a/", "/b/", "/c/"])).unwrap();
        let one = "<h3>&lt;漏えい&gt;</h3>事件簿";
        // The cached card (escaped once, not twice), the include, an uncached unknown URL, a variant.
        assert_eq!(out, format!("{one}|{one};{one}|{one};{one}|{one};<h2>&lt;漏えい&gt;</h2>"));
    }

    #[test]
    fn each_build_renders_its_own_cards() {
        let mut tera = env("{{ entry.title }}", "{{ card(entry=entries[0]) }}");
        register(&mut tera, &["/a/".into()]);
        let ctx = page(&["/a/"]);
        assert_eq!(tera.render("list.html", &ctx).unwrap(), "&lt;漏えい&gt;");
        tera.add_raw_template(TEMPLATE, "new {{ entry.url }}").unwrap();
        register(&mut tera, &["/a/".into()]);
        assert_eq!(tera.render("list.html", &ctx).unwrap(), "new /a/");
    }

    #[test]
    fn card_errors_name_the_partial() {
        let mut tera = env("{{ entry.missing.deeper }}", "{{ card(entry=entries[0]) }}");
        register(&mut tera, &["/a/".into()]);
        let err = tera.render("list.html", &page(&["/a/"])).unwrap_err();
        let mut text = err.to_string();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&err);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        assert!(text.contains(TEMPLATE) && text.contains("missing"), "{text}");
    }
}
