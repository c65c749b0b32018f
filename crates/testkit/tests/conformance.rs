//! The storage conformance suite (testkit::conformance) on the engine under test.

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                testkit::conformance::$name(testkit::fresh_store().await).await;
            }
        )*
    };
}

conformance!(
    reference_and_bulk_load_round_trip,
    a_failed_bulk_load_changes_nothing,
    users_sessions_and_audit,
    package_creation_is_idempotent,
    a_batch_appends_its_audit_events_in_order,
    submission_freezes_a_version_and_routes_it,
    transitions_are_compare_and_set,
    a_published_redegoerelse_is_immutable,
    meetings_are_recorded_with_their_transition,
    the_outbox_never_hands_out_a_mail_twice,
    meetings_comments_and_aftaler,
    api_keys_are_revoked_once_by_their_owner,
    reset_empties_everything_but_the_audit_log,
    cvr_numbers_map_to_one_organisation_or_kommune,
    provisioned_accounts_and_login_attempts,
    the_change_feed_and_idempotency_keys,
    a_history_is_written_as_its_single_changes,
);

#[tokio::test]
async fn a_kept_session_follows_changes_made_elsewhere() {
    let (her, andet) = testkit::fresh_store_pair().await;
    testkit::conformance::a_kept_session_follows_changes_made_elsewhere(her, andet).await;
}

/// Saves that meet need worker threads (SQLite gathers them into shared transactions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_made_at_once_are_each_checked_alone() {
    testkit::conformance::saves_made_at_once_are_each_checked_alone(testkit::fresh_store().await).await;
}
