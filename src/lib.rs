pub mod config;
pub mod content;
pub mod diag;
pub mod url;
