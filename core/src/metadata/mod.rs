//! Scan metadata, personal data, plane attributes, annotations and provenance events.
