//! What the CLI works on: the AWS configuration (the standard credential chain, `--region` or
//! the usual region settings, `AWS_ENDPOINT_URL`), the claim table of a deployed stack (or one
//! named directly) and, for replays, the routing of the stack's deployed republisher.

use std::collections::HashMap;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::ProvideCredentials;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use webhook_core::aws;
use webhook_core::claims::DynamoStore;
use webhook_core::config::RepublisherConfig;
use webhook_core::vendors;

use crate::error::CliError;

/// The logical ids, in template.yaml, of the resources the CLI reads.
pub const TABLE_RESOURCE: &str = "EventsTable";
pub const REPUBLISHER_RESOURCE: &str = "RepublisherFunction";

/// Where the events are, as the command line says.
#[derive(Debug, Clone, clap::Args)]
pub struct Location {
    /// The deployed CloudFormation stack (as `sam deploy` named it).
    #[arg(long, env = "WEBHOOKS_STACK", global = true, conflicts_with = "table")]
    pub stack: Option<String>,
    /// The events table, instead of --stack.
    #[arg(long, env = "WEBHOOKS_TABLE", global = true)]
    pub table: Option<String>,
    /// The republisher function whose routing replays use (found from --stack by default).
    #[arg(long, env = "WEBHOOKS_REPUBLISHER", global = true)]
    pub republisher: Option<String>,
    /// The AWS region (default: AWS_REGION, or the profile's region).
    #[arg(long, global = true)]
    pub region: Option<String>,
}

/// The table and the AWS configuration that reach it.
#[derive(Debug, Clone)]
pub struct Target {
    pub sdk: SdkConfig,
    pub table: String,
    /// The republisher function whose routing replays use, when known.
    pub republisher: Option<String>,
}

impl Target {
    /// Loads the AWS configuration, checks that it has a region and credentials, finds the
    /// table (through the stack's resources when a stack is named) and checks that it exists.
    pub async fn resolve(location: &Location) -> Result<Self, CliError> {
        let sdk = sdk_config(location.region.as_deref()).await?;
        let (table, stack_republisher) = match (&location.stack, &location.table) {
            (Some(stack), None) => {
                let resources = stack_resources(&sdk, stack).await?;
                let table = resources.get(TABLE_RESOURCE).cloned().ok_or_else(|| {
                    CliError::NotFound(format!(
                        "stack {stack} has no {TABLE_RESOURCE}: is it a webhook receiver stack?"
                    ))
                })?;
                (table, resources.get(REPUBLISHER_RESOURCE).cloned())
            }
            (None, Some(table)) => (table.clone(), None),
            (Some(_), Some(_)) => {
                return Err(CliError::Usage(
                    "give either --stack or --table, not both".into(),
                ))
            }
            (None, None) => {
                return Err(CliError::Usage(
                    "say which deployment: --stack NAME (or WEBHOOKS_STACK), or --table NAME (or WEBHOOKS_TABLE)"
                        .into(),
                ))
            }
        };
        check_table(&sdk, &table).await?;
        Ok(Self {
            sdk,
            table,
            republisher: location.republisher.clone().or(stack_republisher),
        })
    }

    pub fn store(&self) -> DynamoStore {
        DynamoStore::new(aws::dynamodb(&self.sdk), self.table.clone())
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws::sqs(&self.sdk)
    }

    /// The deployed republisher's configuration (its routing, `FANOUT_<VENDOR>`, above all),
    /// read from its Lambda environment: replays route exactly as it does.
    pub async fn republisher_config(&self) -> Result<RepublisherConfig, CliError> {
        let function = self.republisher.as_deref().ok_or_else(|| {
            CliError::Usage(
                "replaying needs the republisher's routing: give --stack, or --republisher FUNCTION with --table"
                    .into(),
            )
        })?;
        let client = aws_sdk_lambda::Client::new(&self.sdk);
        let output = client
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|error| match error.as_service_error() {
                Some(service) if service.is_resource_not_found_exception() => {
                    CliError::NotFound(format!("no Lambda function {function}"))
                }
                _ => aws_error("reading the republisher's configuration", &error),
            })?;
        let variables: HashMap<String, String> = output
            .environment()
            .and_then(|environment| environment.variables())
            .cloned()
            .unwrap_or_default();
        let config =
            RepublisherConfig::from_lookup(&vendors::ALL, |name| variables.get(name).cloned())
                .map_err(|error| {
                    CliError::Aws(format!(
                "the republisher {function} is not configured as this version expects: {error}"
            ))
                })?;
        if config.table != self.table {
            return Err(CliError::Usage(format!(
                "the republisher {function} works on table {}, not {}",
                config.table, self.table
            )));
        }
        Ok(config)
    }
}

/// The SDK configuration every client of the CLI shares: the functions' HTTPS client and
/// timeouts, the standard retries, the standard credential chain. Fails at once, with what to
/// do, when there is no region or no credentials.
async fn sdk_config(region: Option<&str>) -> Result<SdkConfig, CliError> {
    let mut loader = aws::defaults()
        .retry_config(RetryConfig::standard())
        .timeout_config(timeouts());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    let sdk = loader.load().await;
    if sdk.region().is_none() {
        return Err(CliError::Aws(
            "no AWS region: give --region, or set AWS_REGION or a region in your AWS profile"
                .into(),
        ));
    }
    let provider = sdk
        .credentials_provider()
        .ok_or_else(|| CliError::NoCredentials("the SDK has no credential chain".into()))?;
    provider.provide_credentials().await.map_err(|error| {
        CliError::NoCredentials(format!(
            "{} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for an SSO \
             profile, run `aws sso login` first)",
            DisplayErrorContext(&error)
        ))
    })?;
    Ok(sdk)
}

/// An operator waits longer than a vendor does: a page of a large table, a slow link.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build()
}

/// The physical ids of `stack`'s resources by logical id.
async fn stack_resources(
    sdk: &SdkConfig,
    stack: &str,
) -> Result<HashMap<String, String>, CliError> {
    let client = aws_sdk_cloudformation::Client::new(sdk);
    let output = client
        .describe_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .map_err(|error| {
            // CloudFormation answers a missing stack with a ValidationError.
            let missing = error
                .as_service_error()
                .and_then(|service| service.meta().message())
                .is_some_and(|message| message.contains("does not exist"));
            if missing {
                CliError::NotFound(format!("no stack {stack} in region {}", region_of(sdk)))
            } else {
                aws_error("reading the stack's resources", &error)
            }
        })?;
    Ok(output
        .stack_resources()
        .iter()
        .filter_map(|resource| {
            Some((
                resource.logical_resource_id()?.to_string(),
                resource.physical_resource_id()?.to_string(),
            ))
        })
        .collect())
}

/// Fails with [`CliError::NotFound`] when `table` does not exist.
async fn check_table(sdk: &SdkConfig, table: &str) -> Result<(), CliError> {
    aws::dynamodb(sdk)
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map(|_| ())
        .map_err(|error| match error.as_service_error() {
            Some(service) if service.is_resource_not_found_exception() => {
                CliError::NotFound(format!("no table {table} in region {}", region_of(sdk)))
            }
            _ => aws_error("reading the table", &error),
        })
}

fn region_of(sdk: &SdkConfig) -> String {
    sdk.region()
        .map_or_else(|| "(none)".to_string(), ToString::to_string)
}

/// An AWS call that failed while `doing` something.
pub fn aws_error<E: std::error::Error>(doing: &str, error: &E) -> CliError {
    CliError::Aws(format!("{doing} failed: {}", DisplayErrorContext(error)))
}
