//! The date stamped into outputs.

/// `SOURCE_DATE_EPOCH` as a date, when set: every output is then stamped with it.
pub fn fixed_date() -> Option<(i32, u8, u8)> {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(civil_from_days(secs.div_euclid(86_400)))
}

/// The date of a document of `year` when `SOURCE_DATE_EPOCH` is not set: 1 January of the
/// next year, so the same data always gives the same bytes.
pub fn document_date(fixed: Option<(i32, u8, u8)>, year: u16) -> (i32, u8, u8) {
    fixed.unwrap_or((i32::from(year) + 1, 1, 1))
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((if m <= 2 { y + 1 } else { y }) as i32, m as u8, d as u8)
}

#[cfg(test)]
mod tests {
    #[test]
    fn epoch_days_to_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }
}
