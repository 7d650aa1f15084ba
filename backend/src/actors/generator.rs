//! A tenant's traffic generator: every 100 ms it asks its `TenantSim` for the
//! reports of the time that passed and hands them to the aggregator.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};

use super::aggregator::{Aggregator, Ingest};
use crate::simulation::TenantSim;
use crate::telemetry::{Source, Telemetry};

const TICK: Duration = Duration::from_millis(100);

pub struct TenantGenerator {
    sim: TenantSim,
    aggregator: Addr<Aggregator>,
    telemetry: Arc<Telemetry>,
    last: DateTime<Utc>,
}

impl TenantGenerator {
    pub fn new(sim: TenantSim, aggregator: Addr<Aggregator>, telemetry: Arc<Telemetry>) -> Self {
        TenantGenerator {
            sim,
            aggregator,
            telemetry,
            last: Utc::now(),
        }
    }

    fn tick(&mut self, now: DateTime<Utc>, ctx: &mut Context<Self>) {
        if now <= self.last {
            return;
        }
        let updates = self.sim.generate(self.last, now);
        self.last = now;
        if updates.is_empty() {
            return;
        }
        match self.aggregator.try_send(Ingest {
            updates,
            source: Source::Simulator,
        }) {
            Ok(()) => {}
            // Simulated traffic is shed, and counted, rather than queued without bound.
            Err(SendError::Full(batch)) => {
                self.telemetry
                    .simulator_dropped
                    .inc_by(batch.updates.len() as u64);
            }
            Err(SendError::Closed(_)) => ctx.stop(),
        }
    }
}

impl Actor for TenantGenerator {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::debug!(tenant = self.sim.tenant_id(), "generator started");
        self.last = Utc::now();
        ctx.run_interval(TICK, |act, ctx| act.tick(Utc::now(), ctx));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::{RollupConfig, Rollups};
    use crate::feed::Hub;
    use crate::simulation::{SimConfig, build_tenants};

    #[actix::test]
    async fn generated_reports_reach_the_store() {
        let rollups = Arc::new(Rollups::new(RollupConfig::default(), 0));
        let telemetry = Arc::new(Telemetry::new());
        let aggregator = Aggregator::bare(rollups.clone(), Hub::new(8), telemetry.clone()).start();
        let config = SimConfig {
            tenants: 2,
            customers: 10,
            rate_per_sec: 2_000.0,
            seed: 1,
            incident_every: None,
        };
        for sim in build_tenants(&config) {
            TenantGenerator::new(sim, aggregator.clone(), telemetry.clone()).start();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while rollups.read().reports < 500 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no simulated traffic arrived"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let state = rollups.read();
        assert!(state.lifetime.cost > 0.0);
        // Both tenants are generating.
        assert_eq!(state.names.len().0, 3, "two tenants plus (other)");
    }
}
