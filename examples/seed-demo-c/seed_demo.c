// Seeds a state store and checks that the values read back unchanged.
//
// Saves `weapon` with one save and `planets` with a bulk save, reads both
// back and prints `Test successfully!` (exit code 0) if they round-trip;
// otherwise reports the difference on stderr (exit code 1). The store is
// `statestore` unless given as the first argument.
//
// The values are JSON text, compared byte for byte: the store hands back
// exactly the bytes it was given. The `dapr_runtime_state_*` functions and
// types come from the bindings `wit-bindgen c` generates for world `client`
// (build/bindings/client.h).

#include <stdio.h>
#include <string.h>

#include "client.h"

/** The JSON saved under `weapon`. */
static const char WEAPON[] = "\"Death Star\"";
/** The JSON saved under `planets`. */
static const char PLANETS[] = "{\"name\":\"Tatooine\",\"test\":123}";

/** The WIT names of the error cases, by tag. */
static const char *const ERROR_CASES[] = {
    "not-found", "denied", "etag-mismatch", "invalid-argument", "unavailable", "unsupported", "internal",
};

/** A borrowed string (no copy; never freed). */
static client_string_t borrow(const char *text) {
    client_string_t s = {(uint8_t *)text, strlen(text)};
    return s;
}

/** One item to save: `json` under `key`, last-write, no etag or metadata. */
static dapr_runtime_state_save_item_t item(const char *key, const char *json) {
    dapr_runtime_state_save_item_t it = {0};
    it.key = borrow(key);
    it.data.ptr = (uint8_t *)json;
    it.data.len = strlen(json);
    it.options.concurrency = DAPR_RUNTIME_STATE_CONCURRENCY_LAST_WRITE;
    it.options.consistency = DAPR_RUNTIME_STATE_CONSISTENCY_EVENTUAL;
    return it;
}

/** Reports a failed call on stderr and frees the error. */
static void report(const char *store, const char *what, dapr_runtime_state_error_t *err) {
    // Every case carries its message, so any member of the union reads it.
    client_string_t message = err->val.internal;
    const char *kind = err->tag < sizeof ERROR_CASES / sizeof *ERROR_CASES ? ERROR_CASES[err->tag] : "unknown";
    fprintf(stderr, "state store `%s`: %s: %s: %.*s\n", store, what, kind, (int)message.len, (const char *)message.ptr);
    dapr_runtime_state_error_free(err);
}

/** Saves `items` to `store`; false (reported) on failure. */
static bool save(const char *store, dapr_runtime_state_save_item_t *items, size_t count) {
    client_string_t name = borrow(store);
    dapr_runtime_state_list_save_item_t list = {items, count};
    dapr_runtime_state_error_t err;
    if (dapr_runtime_state_save(&name, &list, &err)) return true;
    report(store, "save", &err);
    return false;
}

/**
 * Reads `key` from `store` and compares it with `expected`: 0 if equal, 1
 * if not (the difference on stderr), -1 if the call failed (reported).
 */
static int check(const char *store, const char *key, const char *expected) {
    client_string_t name = borrow(store), k = borrow(key);
    dapr_runtime_state_metadata_t metadata = {NULL, 0};
    dapr_runtime_state_option_value_t value;
    dapr_runtime_state_error_t err;
    if (!dapr_runtime_state_get(&name, &k, DAPR_RUNTIME_STATE_CONSISTENCY_STRONG, &metadata, &value, &err)) {
        report(store, "get", &err);
        return -1;
    }
    if (!value.is_some) {
        fprintf(stderr, "`%s`: expected %s, but the key is missing\n", key, expected);
        return 1;
    }
    client_list_u8_t data = value.val.data;
    int differs = data.len != strlen(expected) || memcmp(data.ptr, expected, data.len) != 0;
    if (differs) fprintf(stderr, "`%s`: expected %s, read %.*s\n", key, expected, (int)data.len, (const char *)data.ptr);
    dapr_runtime_state_option_value_free(&value);
    return differs;
}

int main(int argc, char **argv) {
    const char *store = argc > 1 ? argv[1] : "statestore";
    dapr_runtime_state_save_item_t weapon = item("weapon", WEAPON);
    dapr_runtime_state_save_item_t planets[] = {item("planets", PLANETS)};
    if (!save(store, &weapon, 1) || !save(store, planets, sizeof planets / sizeof *planets)) return 1;
    int weapon_check = check(store, "weapon", WEAPON);
    if (weapon_check < 0) return 1;
    int planets_check = check(store, "planets", PLANETS);
    if (planets_check != 0 || weapon_check != 0) return 1;
    printf("Test successfully!\n");
    return 0;
}
