//! From spans to usage reports: every span that names a GenAI model becomes
//! one report of one call (the attribute table is in the README, "Send real
//! data"). Spans without a model are counted and skipped; spans whose
//! attributes cannot be used are rejected one by one with a reason, and the
//! rest of the batch goes through.

use chrono::DateTime;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use protocol::prices::TokenCounts;
use protocol::validate::{validate_id, validate_update};
use protocol::{MetricUpdate, Metrics, Timestamp};

use super::attributes::{Attributes, clip};
use super::pricing::Pricer;

/// Where tenants, customers and costs are read from; see `OtlpConfig`.
#[derive(Debug, Clone)]
pub struct Rules {
    pub tenant_keys: Vec<String>,
    pub customer_keys: Vec<String>,
    pub cost_keys: Vec<String>,
    /// Providers whose input token count leaves the cached tokens out.
    pub cache_apart: Vec<String>,
}

const MODEL_KEYS: [&str; 2] = ["gen_ai.response.model", "gen_ai.request.model"];
const PROVIDER_KEYS: [&str; 2] = ["gen_ai.provider.name", "gen_ai.system"];
const INPUT: [&str; 2] = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"];
const OUTPUT: [&str; 2] = [
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
];
const CACHE_READ: [&str; 2] = [
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
];
const CACHE_WRITE: [&str; 2] = [
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
];
const REASONING: [&str; 2] = [
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
];
/// A cost attribute in another currency is not used.
const COST_CURRENCY: &str = "gen_ai.usage.cost.currency";

/// Reasons kept for the response; the rest are only counted.
const MESSAGES_KEPT: usize = 5;

/// What became of a request's spans.
#[derive(Debug, Default)]
pub struct Mapped {
    pub reports: Vec<MetricUpdate>,
    /// Spans without GenAI usage (agents, tools, HTTP): not errors.
    pub ignored: u64,
    pub rejected: u64,
    /// Reasons for the first rejections, naming the span.
    pub messages: Vec<String>,
    /// Reports of models with no price and no cost attribute.
    pub unpriced: u64,
}

impl Mapped {
    fn reject(&mut self, message: String) {
        self.rejected += 1;
        if self.messages.len() < MESSAGES_KEPT {
            self.messages.push(message);
        }
    }

    /// The `errorMessage` of a partial success.
    pub fn error_message(&self) -> String {
        let mut text = self.messages.join("; ");
        let unsaid = self.rejected.saturating_sub(self.messages.len() as u64);
        if unsaid > 0 {
            text.push_str(&format!("; and {unsaid} more"));
        }
        text
    }
}

/// Maps every span of `request`. `fallback_tenant` is the tenant of a
/// token scoped to one, for spans that name none.
pub fn map_request(
    request: &ExportTraceServiceRequest,
    rules: &Rules,
    fallback_tenant: Option<&str>,
    pricer: &Pricer,
    now: Timestamp,
) -> Mapped {
    let mut out = Mapped::default();
    for (r, resource_spans) in request.resource_spans.iter().enumerate() {
        let resource = resource_spans
            .resource
            .as_ref()
            .map_or(&[][..], |r| &r.attributes[..]);
        for (s, scope) in resource_spans.scope_spans.iter().enumerate() {
            for (i, span) in scope.spans.iter().enumerate() {
                let attributes = Attributes {
                    span: &span.attributes,
                    resource,
                };
                let context = Context {
                    rules,
                    fallback_tenant,
                    pricer,
                    now,
                };
                match context.report(span, attributes) {
                    Ok(Some((report, unpriced))) => {
                        out.unpriced += u64::from(unpriced);
                        out.reports.push(report);
                    }
                    Ok(None) => out.ignored += 1,
                    Err(why) => out.reject(format!(
                        "resourceSpans[{r}].scopeSpans[{s}].spans[{i}] (`{}`): {why}",
                        clip(&span.name)
                    )),
                }
            }
        }
    }
    out
}

struct Context<'a> {
    rules: &'a Rules,
    fallback_tenant: Option<&'a str>,
    pricer: &'a Pricer,
    now: Timestamp,
}

impl Context<'_> {
    /// The span's report and whether it is unpriced; `None` when the span
    /// is not a GenAI call.
    fn report(
        &self,
        span: &Span,
        a: Attributes<'_>,
    ) -> Result<Option<(MetricUpdate, bool)>, String> {
        let Some(sent_model) = MODEL_KEYS.iter().find_map(|k| a.text(k)) else {
            return Ok(None);
        };
        validate_id("model", &sent_model)
            .map_err(|e| format!("{}: {}", MODEL_KEYS[0], e.message))?;
        let provider = PROVIDER_KEYS.iter().find_map(|k| a.text(k));
        let tokens = self.tokens(&a, provider.as_deref())?;
        let tenant = a
            .first_text(&self.rules.tenant_keys)
            .map(|t| t.into_owned())
            .or_else(|| self.fallback_tenant.map(str::to_owned))
            .ok_or_else(|| {
                format!(
                    "no tenant: set the attribute {} on the span or its resource, or send with a \
                     token scoped to one tenant",
                    self.rules.tenant_keys.join(" or ")
                )
            })?;
        let customer = a
            .first_text(&self.rules.customer_keys)
            .ok_or_else(|| {
                format!(
                    "no customer: set the attribute {}",
                    self.rules.customer_keys.join(" or ")
                )
            })?
            .into_owned();
        let (timestamp, latency_ms) = times(span)?;
        let priced = self.pricer.lookup(&sent_model, provider.as_deref());
        let given_cost = self.cost_attribute(&a)?;
        let cost = given_cost.or_else(|| priced.map(|p| p.model.prices.cost(&tokens)));
        let model = priced.map_or_else(|| sent_model.into_owned(), |p| p.family.to_owned());
        let report = MetricUpdate {
            seq: 0,
            timestamp,
            tenant_id: tenant,
            customer_id: customer,
            model,
            samples: 1,
            metrics: Metrics {
                total_calls: 1,
                total_tokens: tokens.input + tokens.output,
                input_tokens: tokens.input,
                output_tokens: tokens.output,
                total_cost: cost.unwrap_or(0.0),
                avg_latency_ms: latency_ms,
                cache_read_tokens: tokens.cache_read,
                cache_write_tokens: tokens.cache_write,
                reasoning_tokens: tokens.reasoning,
                unpriced_calls: u64::from(cost.is_none()),
            },
        };
        validate_update(&report, self.now).map_err(|e| format!("{}: {}", e.field, e.message))?;
        Ok(Some((report, cost.is_none())))
    }

    /// Token counts in the product's convention: cached tokens inside the
    /// input, reasoning tokens inside the output.
    fn tokens(&self, a: &Attributes<'_>, provider: Option<&str>) -> Result<TokenCounts, String> {
        let mut t = TokenCounts {
            calls: 1,
            input: a.first_count(&INPUT)?.unwrap_or(0),
            output: a.first_count(&OUTPUT)?.unwrap_or(0),
            cache_read: a.first_count(&CACHE_READ)?.unwrap_or(0),
            cache_write: a.first_count(&CACHE_WRITE)?.unwrap_or(0),
            reasoning: a.first_count(&REASONING)?.unwrap_or(0),
        };
        let cached = t.cache_read + t.cache_write;
        // Anthropic (and Bedrock) count cached tokens apart from input
        // tokens; so does any source whose cached tokens exceed its input.
        let apart = provider.is_some_and(|p| {
            self.rules
                .cache_apart
                .iter()
                .any(|a| a.eq_ignore_ascii_case(p.trim()))
        });
        if apart || cached > t.input {
            t.input += cached;
        }
        // Gemini counts thinking tokens apart from the candidates'.
        if t.reasoning > t.output {
            t.output += t.reasoning;
        }
        Ok(t)
    }

    /// A cost the span carries itself, in US dollars.
    fn cost_attribute(&self, a: &Attributes<'_>) -> Result<Option<f64>, String> {
        if a.text(COST_CURRENCY)
            .is_some_and(|c| !c.eq_ignore_ascii_case("usd"))
        {
            return Ok(None);
        }
        for key in &self.rules.cost_keys {
            if let Some(cost) = a.number(key)? {
                if !cost.is_finite() || !(0.0..=1_000_000.0).contains(&cost) {
                    return Err(format!(
                        "{key} must be between 0 and 1,000,000 US dollars, not {cost}"
                    ));
                }
                return Ok(Some(cost));
            }
        }
        Ok(None)
    }
}

/// The span's end as the report's time, and its duration in milliseconds.
fn times(span: &Span) -> Result<(Timestamp, f64), String> {
    if span.end_time_unix_nano == 0 {
        return Err("the span has no endTimeUnixNano".into());
    }
    if span.start_time_unix_nano == 0 {
        return Err("the span has no startTimeUnixNano".into());
    }
    if span.end_time_unix_nano < span.start_time_unix_nano {
        return Err("endTimeUnixNano is before startTimeUnixNano".into());
    }
    let nanos = span.end_time_unix_nano - span.start_time_unix_nano;
    if nanos > 3_600_000_000_000 {
        return Err("the span lasts more than an hour, longer than any model call".into());
    }
    let end = i64::try_from(span.end_time_unix_nano)
        .map(DateTime::from_timestamp_nanos)
        .map_err(|_| "endTimeUnixNano is out of range".to_string())?;
    Ok((end, nanos as f64 / 1e6))
}

#[cfg(test)]
mod tests;
