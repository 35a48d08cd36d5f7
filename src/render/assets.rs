//! Where bundles' assets go in the output: beside their entry's page, under the same relative
//! path as beside its `index.md`.

use std::path::Path;

use crate::render::values::entry_segments;
use crate::site::Site;

/// Every asset of every entry in the site: its output path (`/`-separated, Unicode kept) and its
/// source, in output-path order (so that anything done with them is done in the same order
/// whatever the number of threads).
pub fn placed(site: &Site) -> Vec<(String, &Path)> {
    let mut all: Vec<(String, &Path)> = site
        .entries
        .iter()
        // Most entries have none: no path made for them.
        .filter(|e| !e.assets.is_empty())
        .flat_map(|e| {
            let dir = entry_segments(e).join("/");
            e.assets.iter().map(move |a| (format!("{dir}/{}", a.rel), a.source.as_path()))
        })
        .collect();
    all.sort();
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Asset;
    use crate::site::tests::{entry, incident};

    #[test]
    fn assets_go_beside_their_page() {
        let mut a = entry("articles/guide/index.md", "title: t\ndate: 2024-01-30");
        a.assets = vec![
            Asset { source: "/s/content/articles/guide/図1.png".into(), rel: "図1.png".into() },
            Asset { source: "/s/content/articles/guide/files/a.pdf".into(), rel: "files/a.pdf".into() },
        ];
        let mut i = incident("2024-033", "2024-01-30", "");
        i.assets = vec![Asset { source: "/s/x/chart.png".into(), rel: "chart.png".into() }];
        let config = crate::config::Config::parse("[book]\ntitle = \"t\"\n", Path::new("book.toml")).unwrap();
        let site = Site::build(&config, vec![a, i]).unwrap();
        let placed = placed(&site);
        let paths: Vec<&str> = placed.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["articles/guide/files/a.pdf", "articles/guide/図1.png", "incidents/2024-033/chart.png"]);
    }
}
