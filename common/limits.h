#ifndef KAM_COMMON_LIMITS_H_
#define KAM_COMMON_LIMITS_H_

// The size limits of the change feed, in one place. Producers, the
// WatchChanges server and FeedConsumer all derive theirs from these, so a
// response the server builds is always one a consumer accepts.
//
// The rule: a WatchChangesResponse holds events until adding the next one
// would pass kFeedBatchBytes; an event larger than that goes alone. No event
// may be larger than kMaxFeedEventBytes (service validation will bound the
// resources so that none is), so no response is larger than
// kFeedMaxMessageBytes, and that is the gRPC max send size of the feed's
// server and the max receive size of every consumer's channel.

#include <cstdint>

namespace kam {

// The largest serialized ChangeEvent (the resource, its name and the event's
// own fields) the feed carries. A service must refuse a change whose event
// would be larger; the server ends a stream with FAILED_PRECONDITION rather
// than send one (consumers could not receive it).
inline constexpr int64_t kMaxFeedEventBytes = int64_t{3} << 20;  // 3 MiB

// The bytes of events one WatchChangesResponse aims to stay under (each
// event counted with its field tag and length prefix). Small enough that a
// slow reader pins little memory on the server (streams x this), large
// enough that catching up is not dominated by per-message costs.
inline constexpr int64_t kFeedBatchBytes = int64_t{1} << 20;  // 1 MiB

// What a response adds around its events: head_sequence (tag and up to ten
// varint bytes) and a margin for fields added in later versions.
inline constexpr int64_t kFeedResponseEnvelopeBytes = 4096;

// The gRPC max message size of the feed, both ways: the server's send limit
// and the consumer channel's receive limit (GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH
// in FeedConsumer::Options::ForPeer). Exactly gRPC's default receive limit
// (4 MiB), so a client with default channel settings (kamctl, grpcurl)
// receives every response too.
inline constexpr int kFeedMaxMessageBytes = 4 << 20;  // 4 MiB

// The size of the event's field in a WatchChangesResponse: the tag (1 byte)
// and the length prefix (a varint) before the event's own bytes.
constexpr int64_t FeedEventFieldBytes(int64_t event_bytes) {
  int64_t varint = 1;
  for (uint64_t v = static_cast<uint64_t>(event_bytes); v >= 0x80; v >>= 7) {
    ++varint;
  }
  return 1 + varint + event_bytes;
}

static_assert(kFeedBatchBytes <= kMaxFeedEventBytes,
              "an event up to the batch size must be an allowed event");
static_assert(FeedEventFieldBytes(kMaxFeedEventBytes) +
                      kFeedResponseEnvelopeBytes <=
                  kFeedMaxMessageBytes,
              "a response with the largest event must fit the message limit");

}  // namespace kam

#endif  // KAM_COMMON_LIMITS_H_
