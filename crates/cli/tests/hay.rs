//! Small texts written for these tests.

/// A short opinion paragraph with loaded words.
pub const OPINION: &str = "This disgraceful, corrupt scheme is a betrayal of every honest family. \
Who really believes their promises? Enough is enough!\n";

/// Emoji, CRLF and mixed scripts.
pub const MIXED: &str = "Ce plan honteux 😡 is a shameful disaster!\r\nМосква and 東京 watch.\r\n";
