using Berth.Engine.Distribution.Transport;

namespace Berth.Engine.Distribution.Pull;

/// <summary>How many times a download may be retried and how long to wait: dockerd's 5 retries, 5 s more each time.</summary>
public sealed record RetryPolicy(int MaxRetries, TimeSpan Tick)
{
    /// <summary>dockerd: maxDownloadAttempts = 5, a delay of retries × 5 s counted down in seconds.</summary>
    public static RetryPolicy Default { get; } = new(5, TimeSpan.FromSeconds(1));
}

/// <summary>The retries one download has used, shared by its requests, resumes and restarts.</summary>
internal sealed class RetryState(RetryPolicy policy, Action<string> status)
{
    public int Retries { get; private set; }

    /// <summary>A request, retried while it fails transiently (no answer, or a 5xx / 429).</summary>
    public async Task<HttpResponseMessage> RunAsync(Func<CancellationToken, Task<HttpResponseMessage>> request, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await request(cancellationToken);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                await BackOffAsync(e, cancellationToken);
            }
        }
    }

    /// <summary>Counts a retry and waits its delay, saying "Retrying in N seconds" each tick; rethrows <paramref name="error"/> when none are left.</summary>
    public async Task BackOffAsync(Exception error, CancellationToken cancellationToken)
    {
        if (++Retries > policy.MaxRetries)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        for (var left = Retries * 5; left > 0; left--)
        {
            status($"Retrying in {left} second{(left == 1 ? "" : "s")}");
            await Task.Delay(policy.Tick, cancellationToken);
        }
    }

    /// <summary>
    /// Network failures and server-side errors are worth another try; a cancellation asked for,
    /// a 4xx answer, or a digest mismatch are not (dockerd's DoNotRetry).
    /// </summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // HttpClient's own timeouts
        HttpRequestException or IOException => true,
        RegistryException { HttpStatus: >= 500 or 429 } => true,
        _ => false,
    };
}
