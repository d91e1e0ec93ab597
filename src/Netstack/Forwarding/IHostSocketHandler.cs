namespace Netstack.Forwarding;

/// <summary>What a <see cref="HostSocketReadiness"/> set calls when a watched host socket is ready.</summary>
internal interface IHostSocketHandler
{
    /// <summary>Does what the readiness allows, without blocking; false when the work was left to a busy endpoint and must be looked at again.</summary>
    bool OnReadiness();

    /// <summary>Whether work left to a busy endpoint is still waiting (looked at again within a millisecond).</summary>
    bool PollPending { get; }
}
