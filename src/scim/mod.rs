//! SCIM 2.0 on the wire (RFC 7643/7644): resource types and the one HTTP client
//! that executes requests the provider profiles shape. Only this module knows
//! the wire format.
