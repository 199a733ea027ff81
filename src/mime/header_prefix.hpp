// A structure parsed from a blob, moved behind a per-recipient header prefix
// (Return-Path, Delivered-To: whole header lines, no MIME fields), so one
// parse serves every recipient of a message stored once (R-ST3).
#pragma once

#include <string_view>

#include "mime/message_structure.hpp"

namespace postino::mime {

// The structure of prefix + message, given the structure of message. The
// prefix must be complete CRLF-terminated header lines.
MessageStructure with_header_prefix(MessageStructure structure, std::string_view prefix);

}  // namespace postino::mime
