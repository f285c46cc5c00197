using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.EngineApi.Streams;

/// <summary>
/// docker's JSON message stream (pull, push, load, import, build): one JSON object per line,
/// each line ended by "\r\n" as dockerd writes it.
/// </summary>
public static class JsonMessageStream
{
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

    /// <summary>Writes one message and flushes (so progress reaches the client at once).</summary>
    public static async ValueTask WriteAsync(Stream output, JsonMessage message, CancellationToken cancellationToken = default)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, EngineJson.Context.JsonMessage);
        await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(LineEnd, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads messages until end of stream; blank lines are skipped.</summary>
    public static async IAsyncEnumerable<JsonMessage> ReadAllAsync(Stream input, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var message = JsonSerializer.Deserialize(line, EngineJson.Context.JsonMessage);
            if (message is not null)
            {
                yield return message;
            }
        }
    }

    /// <summary>The error text of a message ("errorDetail.message", else "error"), or null.</summary>
    public static string? ErrorOf(JsonMessage message) =>
        message.ErrorDetail?.Message is { Length: > 0 } m ? m : message.Error is { Length: > 0 } e ? e : null;
}
