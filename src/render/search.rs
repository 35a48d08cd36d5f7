//! The client-side search index written under `/search/`.

use super::Page;
use super::values::Links;
use crate::config::Config;
use crate::site::Site;

/// The index files of `/search/`.
pub fn files(_site: &Site, _config: &Config, _links: &Links) -> Vec<Page> {
    Vec::new()
}
