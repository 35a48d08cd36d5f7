//! The `fragment(template=..., variant=...)` template function: a partial that depends only on the
//! site, rendered once per build and variant and reused on every page that shows it.
//!
//! The site footer (years with their counts, the taxonomies) is the same on every page but the
//! home page, yet rendering it again for each of tens of thousands of pages was a few percent of
//! a build. A fragment is rendered with the global context (`site`, `nav`) and `variant` (any
//! string the caller picks, such as `page_kind`) only, so it cannot show anything of the page it
//! is on beyond what `variant` says.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

struct Cache {
    /// The environment fragments render in: this build's templates, filters and global context.
    tera: Tera,
    /// `(template, variant)` → HTML.
    html: RwLock<HashMap<(String, String), Value>>,
}

/// Registers `fragment` for one build. Call after the global context is set: fragments render
/// with it.
pub fn register(tera: &mut Tera) {
    // The snapshot must not hold the previous build's function (and through it the previous
    // snapshot and cache): replace it first.
    placeholder(tera);
    let cache = Arc::new(Cache { tera: tera.clone(), html: RwLock::default() });
    tera.register_function("fragment", move |kwargs: Kwargs, _: &State| cache.fragment(&kwargs));
}

/// Declares `fragment` before templates are added (Tera checks that every function called
/// exists), and stands in for it inside fragments themselves.
pub fn placeholder(tera: &mut Tera) {
    tera.register_function("fragment", |_: Kwargs, _: &State| -> TeraResult<Value> {
        Err(tera::Error::message("`fragment()` cannot be called inside a fragment or a card"))
    });
}

impl Cache {
    fn fragment(&self, kwargs: &Kwargs) -> TeraResult<Value> {
        // A misspelt `variant` would otherwise give every page the same cached HTML.
        super::theme::known_kwargs("`fragment()`", kwargs, &["template", "variant"])?;
        let template: String = kwargs.must_get("template")?;
        let variant: String = kwargs.get("variant")?.unwrap_or_default();
        let key = (template, variant);
        if let Some(html) = self.html.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(html);
        }
        let mut ctx = Context::new();
        ctx.insert("variant", &key.1);
        let html = super::theme::render_partial(&self.tera, &key.0, &ctx)?;
        if let Ok(mut m) = self.html.write() {
            m.entry(key).or_insert_with(|| html.clone());
        }
        Ok(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(fragment: &str, page: &str) -> Tera {
        let mut tera = Tera::new();
        placeholder(&mut tera);
        tera.add_raw_templates(vec![("partials/f.html", fragment), ("page.html", page)]).unwrap();
        tera.global_context().insert("site_title", "<事件簿>");
        tera
    }

    #[test]
    fn a_fragment_renders_with_the_global_context_and_its_variant() {
        let mut tera = env(
            "{{ site_title }}/{{ variant }}{% if page_only is defined %}!{% endif %}",
            "{{ fragment(template=\"partials/f.html\", variant=kind) }}",
        );
        register(&mut tera);
        let mut ctx = Context::new();
        ctx.insert("kind", "home");
        ctx.insert("page_only", &true);
        assert_eq!(tera.render("page.html", &ctx).unwrap(), "&lt;事件簿&gt;/home", "escaped once, page values unseen");
        ctx.insert("kind", "incident");
        assert_eq!(tera.render("page.html", &ctx).unwrap(), "&lt;事件簿&gt;/incident", "one cache entry per variant");
    }

    #[test]
    fn a_fragment_is_rendered_once_per_build() {
        let mut tera = env("{{ site_title }}", "{{ fragment(template=\"partials/f.html\") }}");
        register(&mut tera);
        assert_eq!(tera.render("page.html", &Context::new()).unwrap(), "&lt;事件簿&gt;");
        // A change to the global context reaches the fragments only with the next build's
        // registration: until then the cached HTML is reused.
        tera.global_context().insert("site_title", "changed");
        assert_eq!(tera.render("page.html", &Context::new()).unwrap(), "&lt;事件簿&gt;");
        register(&mut tera);
        assert_eq!(tera.render("page.html", &Context::new()).unwrap(), "changed");
    }

    #[test]
    fn errors_name_the_fragment_and_nesting_is_refused() {
        let mut tera = env("{{ missing.field }}", "{{ fragment(template=\"partials/f.html\") }}");
        register(&mut tera);
        let e = tera.render("page.html", &Context::new()).unwrap_err();
        assert!(
            format!("{e:?}").contains("at partial partials/f.html:1:4") && format!("{e:?}").contains("missing"),
            "{e:?}"
        );

        let mut tera =
            env("{{ fragment(template=\"partials/f.html\") }}", "{{ fragment(template=\"partials/f.html\") }}");
        register(&mut tera);
        let e = tera.render("page.html", &Context::new()).unwrap_err();
        assert!(format!("{e:?}").contains("cannot be called inside a fragment"), "{e:?}");
    }
}
