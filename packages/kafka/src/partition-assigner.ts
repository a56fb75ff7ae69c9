/**
 * The group leader's partition assignment. The client's default round robin
 * deals the leader's own topics to every member, whatever each subscribed
 * to; when subscriptions of different types share a `group`, members would be
 * handed partitions they never fetch, and those records would wait for ever.
 * This assigner deals each topic's partitions only to the members subscribed
 * to it, round robin, continuing the rotation across topics so small topics
 * do not all land on the first member.
 */
import type { ClusterMetadata, ExtendedGroupProtocolSubscription, GroupAssignment, GroupPartitionsAssignments } from '@platformatic/kafka';

/** Deals each topic's partitions among the members subscribed to that topic (a `GroupPartitionsAssigner`). */
export function subscriptionAwareAssigner(
  _current: string,
  members: Map<string, ExtendedGroupProtocolSubscription>,
  _topics: Set<string>,
  metadata: ClusterMetadata,
): GroupPartitionsAssignments[] {
  const memberIds = [...members.keys()].sort();
  const result = new Map<string, Map<string, GroupAssignment>>(memberIds.map((id) => [id, new Map()]));
  const topics = [...new Set(memberIds.flatMap((id) => members.get(id)?.topics ?? []))].sort();
  let rotation = 0;
  for (const topic of topics) {
    const subscribers = memberIds.filter((id) => members.get(id)?.topics?.includes(topic));
    const partitionsCount = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (subscribers.length === 0) continue;
    for (let partition = 0; partition < partitionsCount; partition++) {
      const memberId = subscribers[(rotation + partition) % subscribers.length] as string;
      const assignments = result.get(memberId) as Map<string, GroupAssignment>;
      let assignment = assignments.get(topic);
      if (assignment === undefined) {
        assignment = { topic, partitions: [] };
        assignments.set(topic, assignment);
      }
      assignment.partitions.push(partition);
    }
    rotation += partitionsCount;
  }
  return memberIds.map((memberId) => ({ memberId, assignments: result.get(memberId) as Map<string, GroupAssignment> }));
}
