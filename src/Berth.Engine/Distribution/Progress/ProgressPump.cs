using System.Threading.Channels;

namespace Berth.Engine.Distribution.Progress;

/// <summary>
/// Lets parallel transfers post progress without waiting on the client: lines are queued in order
/// and one pump writes them to the sink. Byte counts are throttled per ID (at most every 100 ms,
/// plus the last), like dockerd's progress reader, so a fast local download does not flood the stream.
/// </summary>
public sealed class ProgressPump : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly Channel<ProgressUpdate> _queue = Channel.CreateUnbounded<ProgressUpdate>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, long> _lastCountAt = new();
    private readonly Task _pump;

    public ProgressPump(IProgressSink sink, CancellationToken cancellationToken)
    {
        _pump = Task.Run(async () =>
        {
            await foreach (var update in _queue.Reader.ReadAllAsync(cancellationToken))
                await sink.ReportAsync(update, cancellationToken);
        }, cancellationToken);
    }

    public void Post(ProgressUpdate update) => _queue.Writer.TryWrite(update);

    /// <summary>A byte count for <paramref name="id"/>; dropped when the previous one was under 100 ms ago, unless final.</summary>
    public void PostCount(string id, string status, long current, long total, bool final)
    {
        var now = Environment.TickCount64;
        lock (_lastCountAt)
        {
            var key = id + "\n" + status;
            if (!final && _lastCountAt.TryGetValue(key, out var last) && now - last < Interval.TotalMilliseconds) return;
            _lastCountAt[key] = now;
        }
        Post(ProgressUpdate.Layer(id, status, current, total));
    }

    /// <summary>Writes everything posted so far and stops.</summary>
    public async Task FlushAsync()
    {
        _queue.Writer.TryComplete();
        await _pump;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try { await _pump; } catch (OperationCanceledException) { }
    }
}
