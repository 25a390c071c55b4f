"""Small shared pieces: the content-addressed blob store, HTTP helpers, the context processor."""
