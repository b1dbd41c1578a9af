//! Reading input shared by every feature: JSON bodies that fail with our error shape, and
//! coordinates.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use wangge_domain::Error;
use wangge_domain::err;

use crate::error::AppError;

/// A JSON body whose problems answer with our error shape instead of plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(AppError(err!(
                "request.invalid_json",
                reason = r.body_text()
            ))),
        }
    }
}

/// Parses a coordinate pair, refusing what is not WGS-84 degrees.
pub fn parse_lat_lon(lat: Option<&str>, lon: Option<&str>) -> Result<(f64, f64), Error> {
    let num = |v: Option<&str>, name: &str| -> Result<f64, Error> {
        v.and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                err!("locate.invalid").with_details(serde_json::json!({ "field": name }))
            })
    };
    let (lat, lon) = (num(lat, "lat")?, num(lon, "lon")?);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(err!("locate.invalid"));
    }
    Ok((lat, lon))
}
