/** The inventory service of the microservices example: what is in stock, and reservations. */
namespace js shop.inventory

struct Item {
  1: required string sku
  2: required string title
  /** Units left. */
  3: required i32 stock
  4: required i64 priceCents
}

exception UnknownSku {
  1: required string sku
}

exception OutOfStock {
  1: required string sku
  2: required i32 requested
  3: required i32 available
}

service Inventory {
  Item getItem(1: string sku) throws (1: UnknownSku unknown)
  /** Takes `quantity` units out of stock. */
  Item reserve(1: string sku, 2: i32 quantity) throws (1: UnknownSku unknown, 2: OutOfStock outOfStock)
}
