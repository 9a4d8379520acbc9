//! A shopping cart per user, as the Dapr actor type `cart` (one actor per
//! user id), with an HTTP front so that `wasmtime-dapr serve` can drive it.
//!
//! The actor's methods: `add` (the item's name as data) appends an item and
//! (re)registers the reminder `expire`, due `CART_EXPIRY` after the last
//! addition (a Go or ISO 8601 duration; 30 minutes by default), which
//! clears the cart; `items` answers the items as a JSON list; `clear`
//! empties the cart. The items live in actor state, so they survive the
//! actor's deactivation.
//!
//! HTTP: `GET /carts/{user}` lists, `POST /carts/{user}` (the item as the
//! body) adds, `DELETE /carts/{user}` clears.

use dapr_guest::actors::{self, Actor, ActorRef, Reminder, ReminderOutcome};
use dapr_guest::http::{HttpHandler, Method, Request, Response};

/// The actor type.
const CART: &str = "cart";
/// The actor state key of the items.
const ITEMS: &str = "items";
/// The reminder that clears a cart.
const EXPIRE: &str = "expire";
/// How long a cart lives after its last addition, unless `CART_EXPIRY` says.
const DEFAULT_EXPIRY: &str = "30m";

/// One user's cart.
struct Cart {
    me: ActorRef,
}

impl Cart {
    fn items(&self) -> Result<Vec<String>, String> {
        let items = actors::get_state_json(&self.me, ITEMS).map_err(|e| e.to_string())?;
        Ok(items.unwrap_or_default())
    }

    fn clear(&self) -> Result<(), String> {
        actors::delete_state(&self.me, ITEMS).map_err(|e| e.to_string())
    }
}

impl Actor for Cart {
    const TYPE: &'static str = CART;

    fn new(me: &ActorRef) -> Self {
        Cart { me: me.clone() }
    }

    fn on_invoke(&mut self, method: &str, data: Vec<u8>) -> Result<Vec<u8>, String> {
        match method {
            "add" => {
                let item = String::from_utf8(data).map_err(|_| "an item is UTF-8 text")?;
                let mut items = self.items()?;
                items.push(item);
                actors::save_state_json(&self.me, ITEMS, &items).map_err(|e| e.to_string())?;
                let expiry = std::env::var("CART_EXPIRY").unwrap_or_else(|_| DEFAULT_EXPIRY.into());
                actors::register_reminder(&self.me, &Reminder::new(EXPIRE, expiry))
                    .map_err(|e| e.to_string())?;
                Ok(items.len().to_string().into_bytes())
            }
            "items" => serde_json::to_vec(&self.items()?).map_err(|e| e.to_string()),
            "clear" => self.clear().map(|()| Vec::new()),
            other => Err(format!("a cart has no method `{other}`")),
        }
    }

    fn on_reminder(&mut self, name: &str, _data: Vec<u8>) -> Result<ReminderOutcome, String> {
        if name == EXPIRE {
            self.clear()?;
        }
        Ok(ReminderOutcome::Cancel)
    }
}

dapr_guest::export_actors!(Cart);

/// The HTTP front: each request calls the user's cart actor.
struct Front;

impl HttpHandler for Front {
    fn handle(request: Request) -> Response {
        let Some(user) = request
            .path()
            .strip_prefix("/carts/")
            .filter(|u| !u.is_empty())
        else {
            return Response::not_found();
        };
        let cart = ActorRef::new(CART, user);
        let answer = match request.method() {
            Method::Get => actors::invoke(&cart, "items", b""),
            Method::Delete => actors::invoke(&cart, "clear", b""),
            Method::Post => match request.into_body() {
                Ok(item) => actors::invoke(&cart, "add", &item),
                Err(e) => return Response::text(400, e.to_string()),
            },
            _ => return Response::new(405),
        };
        match answer {
            Ok(body) => Response::new(200).body(body, "application/json"),
            Err(e) => Response::text(500, e.to_string()),
        }
    }
}

dapr_guest::export_http!(Front);
