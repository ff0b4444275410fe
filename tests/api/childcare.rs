//! Childcare: the resource directory with opening hours and distances, the visit log and
//! its KPI, temporary childcare bookings with every rule, and who may see and edit what.
