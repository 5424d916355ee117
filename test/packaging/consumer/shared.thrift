// Included by echo.thrift: the generated echo.ts imports the generated shared.ts.
struct Stamp { 1: required string by; 2: optional i64 at }
exception Refused { 1: required string why }
