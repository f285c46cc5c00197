using Berth.EngineApi.Models;
using Berth.EngineApi.Streams;

namespace Berth.Cli.Formatting;

/// <summary>jsonmessage.DisplayJSONMessagesStream for a non-terminal: progress bars are skipped, status lines printed.</summary>
public static class JsonMessageRenderer
{
    /// <summary>Prints every message; returns the first error message, or null.</summary>
    public static async Task<string?> RenderAsync(Stream messages, TextWriter output, CancellationToken cancellationToken,
        Action<JsonMessage>? onMessage = null)
    {
        await foreach (var m in JsonMessageStream.ReadAllAsync(messages, cancellationToken).ConfigureAwait(false))
        {
            onMessage?.Invoke(m);
            if (JsonMessageStream.ErrorOf(m) is { } error)
            {
                return error;
            }
            if (m.ProgressDetail is { } p && (p.Current != 0 || p.Total != 0))
            {
                continue;
            }
            if (m.Id is { Length: > 0 } id)
            {
                output.Write($"{id}: ");
            }
            if (m.From is { Length: > 0 } from)
            {
                output.Write($"(from {from}) ");
            }
            if (m.Progress is { Length: > 0 } progress)
            {
                output.Write($"{m.Status} {progress}");
            }
            else if (m.Stream is { Length: > 0 } stream)
            {
                output.Write(stream);
            }
            else if (m.Aux is null || m.Status is not null)
            {
                output.Write($"{m.Status}\n");
            }
        }
        return null;
    }
}
