/** The orders service of the microservices example: it calls the inventory service for every order. */
namespace js shop.orders

include "inventory.thrift"

struct OrderRequest {
  1: required string customer
  2: required string sku
  3: required i32 quantity
}

struct Order {
  1: required string id
  2: required inventory.Item item
  3: required i32 quantity
  4: required i64 totalCents
  /** The trace id the call chain carried (set by the caller, seen by both services). */
  5: required string traceId
}

exception OrderRejected {
  1: required string reason
}

service Orders {
  Order placeOrder(1: OrderRequest request) throws (1: OrderRejected rejected)
}
