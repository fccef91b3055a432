//! `ErrorCode` in the document: an open string, not an enum. A client generated
//! from a closed enum fails on a code added after it was generated; with an open
//! string it reads the new code and can still branch on the HTTP status. The
//! known codes are listed in the description and in `x-extensible-enum` (the
//! convention for "these values, and maybe more later").

use std::borrow::Cow;

use serde_json::Value;
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr, Schema,
        extensions::Extensions,
        schema::{ObjectBuilder, Type},
    },
};

use crate::domain::ErrorCode;

impl PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        let known: Vec<Value> = ErrorCode::ALL
            .iter()
            .map(|code| Value::from(code.as_str()))
            .collect();
        let mut description = String::from(
            "A stable, machine-readable error code: branch on it, never on `detail`. New codes may \
             be added; treat an unknown one by the response's HTTP status. Known codes (each \
             explained at `/errors`):\n",
        );
        for code in ErrorCode::ALL {
            description.push_str(&format!("- `{}`: {}\n", code.as_str(), code.meaning()));
        }
        let extensions = Extensions::builder()
            .add("x-extensible-enum", Value::Array(known))
            .build();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description.trim_end()))
            .examples([Value::from(ErrorCode::ValidationFailed.as_str())])
            .extensions(Some(extensions))
            .into()
    }
}

impl ToSchema for ErrorCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}
