//! Jobs through daprd's Jobs API (served by Dapr's scheduler service).
//! daprd delivers the triggers through the app channel (`OnJobEvent`).
//!
//! Job data travels as a protobuf `Any`: written as a `BytesValue`, and read
//! back from the forms other Dapr clients write (`BytesValue`,
//! `StringValue`, a JSON `Value` from the HTTP API, or any other message's
//! bytes as they are).

use std::sync::Arc;

use ::dapr::dapr::proto::common::v1 as common;
use ::dapr::dapr::proto::runtime::v1 as proto;
use prost::Message;

use super::backend::{ConstantRetry, FailurePolicy, Job, Jobs, Scheduler};
use crate::backend::BackendResult;
use crate::backend::sidecar::{Sidecar, error_from_status, json};
use crate::wit::Error;

/// The Jobs API of one sidecar (daprd scopes jobs by its own app id).
pub struct SidecarJobs {
    sidecar: Sidecar,
}

impl SidecarJobs {
    /// The jobs of `sidecar`.
    pub fn new(sidecar: &Sidecar) -> Arc<Self> {
        Arc::new(SidecarJobs {
            sidecar: sidecar.clone(),
        })
    }
}

impl Jobs for SidecarJobs {
    fn for_app(self: Arc<Self>, _app_id: &str) -> Arc<dyn Scheduler> {
        self
    }
}

#[async_trait::async_trait]
impl Scheduler for SidecarJobs {
    async fn schedule(&self, job: Job, overwrite: bool) -> BackendResult<()> {
        let request = proto::ScheduleJobRequest {
            job: Some(proto::Job {
                name: job.name,
                schedule: job.schedule,
                repeats: job.repeats,
                due_time: job.due_time,
                ttl: job.ttl,
                data: Some(data_to_any(job.data)),
                failure_policy: job.failure_policy.map(policy_to_proto),
            }),
            overwrite,
        };
        match self.sidecar.client().schedule_job(request).await {
            Ok(_) => Ok(()),
            Err(status) if is_taken(&status) => {
                Err(Error::EtagMismatch(status.message().to_string()))
            }
            Err(status) => Err(error_from_status(status)),
        }
    }

    async fn get(&self, name: &str) -> BackendResult<Option<Job>> {
        let request = proto::GetJobRequest {
            name: name.to_string(),
        };
        match self.sidecar.client().get_job(request).await {
            Ok(response) => Ok(response.into_inner().job.map(job_from_proto)),
            Err(status) if is_missing(&status) => Ok(None),
            Err(status) => Err(error_from_status(status)),
        }
    }

    async fn delete(&self, name: &str) -> BackendResult<()> {
        let request = proto::DeleteJobRequest {
            name: name.to_string(),
        };
        match self.sidecar.client().delete_job(request).await {
            Ok(_) => Ok(()),
            Err(status) if is_missing(&status) => Ok(()),
            Err(status) => Err(error_from_status(status)),
        }
    }
}

/// Whether daprd refused a schedule because the name is taken.
fn is_taken(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::AlreadyExists || status.message().contains("already exists")
}

/// Whether daprd answered that there is no such job.
fn is_missing(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::NotFound || status.message().contains("not found")
}

const BYTES_VALUE: &str = "type.googleapis.com/google.protobuf.BytesValue";
const STRING_VALUE: &str = "type.googleapis.com/google.protobuf.StringValue";
const JSON_VALUE: &str = "type.googleapis.com/google.protobuf.Value";

/// Job data as daprd stores it: a `BytesValue`.
fn data_to_any(data: Vec<u8>) -> prost_types::Any {
    prost_types::Any {
        type_url: BYTES_VALUE.to_string(),
        value: data.encode_to_vec(),
    }
}

/// The bytes of job data another client may have written in another form.
pub fn data_from_any(any: Option<prost_types::Any>) -> Vec<u8> {
    let Some(any) = any else {
        return Vec::new();
    };
    match any.type_url.as_str() {
        BYTES_VALUE => Vec::<u8>::decode(any.value.as_slice()).unwrap_or(any.value),
        STRING_VALUE => String::decode(any.value.as_slice())
            .map(String::into_bytes)
            .unwrap_or(any.value),
        JSON_VALUE => prost_types::Value::decode(any.value.as_slice())
            .map(|v| json::from_value(&v).to_string().into_bytes())
            .unwrap_or(any.value),
        _ => any.value,
    }
}

fn policy_to_proto(policy: FailurePolicy) -> common::JobFailurePolicy {
    use common::job_failure_policy::Policy;
    common::JobFailurePolicy {
        policy: Some(match policy {
            FailurePolicy::Drop => Policy::Drop(common::JobFailurePolicyDrop {}),
            FailurePolicy::Constant(c) => Policy::Constant(common::JobFailurePolicyConstant {
                interval: Some(prost_types::Duration {
                    seconds: (c.interval_ms / 1000) as i64,
                    nanos: ((c.interval_ms % 1000) * 1_000_000) as i32,
                }),
                max_retries: c.max_retries,
            }),
        }),
    }
}

fn policy_from_proto(policy: common::JobFailurePolicy) -> Option<FailurePolicy> {
    use common::job_failure_policy::Policy;
    Some(match policy.policy? {
        Policy::Drop(_) => FailurePolicy::Drop,
        Policy::Constant(c) => {
            let interval = c.interval.unwrap_or_default();
            let ms =
                interval.seconds.max(0) as u64 * 1000 + interval.nanos.max(0) as u64 / 1_000_000;
            FailurePolicy::Constant(ConstantRetry {
                interval_ms: ms,
                max_retries: c.max_retries,
            })
        }
    })
}

fn job_from_proto(job: proto::Job) -> Job {
    Job {
        name: job.name,
        schedule: job.schedule,
        due_time: job.due_time,
        repeats: job.repeats,
        ttl: job.ttl,
        data: data_from_any(job.data),
        failure_policy: job.failure_policy.and_then(policy_from_proto),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_job_data_in_every_form() {
        assert_eq!(
            data_from_any(Some(data_to_any(vec![0, 159, 146]))),
            vec![0, 159, 146]
        );
        let text = prost_types::Any {
            type_url: STRING_VALUE.into(),
            value: "hi".to_string().encode_to_vec(),
        };
        assert_eq!(data_from_any(Some(text)), b"hi");
        let json = prost_types::Any {
            type_url: JSON_VALUE.into(),
            value: prost_types::Value {
                kind: Some(prost_types::value::Kind::StringValue("x".into())),
            }
            .encode_to_vec(),
        };
        assert_eq!(data_from_any(Some(json)), b"\"x\"");
        assert_eq!(data_from_any(None), b"");
    }

    #[test]
    fn failure_policies_round_trip() {
        for policy in [
            FailurePolicy::Drop,
            FailurePolicy::Constant(ConstantRetry {
                interval_ms: 1500,
                max_retries: Some(2),
            }),
            FailurePolicy::Constant(ConstantRetry {
                interval_ms: 10,
                max_retries: None,
            }),
        ] {
            let back = policy_from_proto(policy_to_proto(policy)).unwrap();
            assert_eq!(format!("{back:?}"), format!("{policy:?}"));
        }
    }
}
