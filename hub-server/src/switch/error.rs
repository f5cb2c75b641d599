//! The switch's error type (configuration, storage, startup).

/// Everything that can stop the switch or one of its store operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration file could not be read or is invalid.
    #[error("switch configuration: {0}")]
    Config(String),
    /// The SQLite store failed.
    #[error("switch store: {0}")]
    Store(#[from] rusqlite::Error),
    /// A stored value no longer parses (the database was edited by hand or is corrupt).
    #[error("switch store holds an invalid {0}")]
    Corrupt(&'static str),
    /// An I/O error (binding the listener, creating the data folder).
    #[error("switch I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The outbound HTTP client could not be built.
    #[error("switch HTTP client: {0}")]
    Http(String),
}

/// Result alias of the switch module.
pub type Result<T> = std::result::Result<T, Error>;
