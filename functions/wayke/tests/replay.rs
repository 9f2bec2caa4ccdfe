//! Every sample event in `events/wayke/`, delivered to the built `wayke` binary through a Lambda
//! Runtime API emulator, against moto: the local counterpart of `sam local invoke -e`.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_event_is_accepted_then_duplicate_and_refused_when_altered() {
    webhook_tests::replay::replay_samples(env!("CARGO_BIN_EXE_wayke"), "wayke").await;
}
