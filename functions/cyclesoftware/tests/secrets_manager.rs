//! The built `cyclesoftware` binary with its secret in Secrets Manager (moto), as deployed.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_its_secret_from_secrets_manager_and_answers_503_when_it_cannot() {
    webhook_tests::secrets_manager::serve_from_secrets_manager(
        env!("CARGO_BIN_EXE_cyclesoftware"),
        "cyclesoftware",
    )
    .await;
}
