using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Berth.EngineApi.Serialization;

namespace Berth.EngineApi.Client;

public sealed partial class EngineClient
{
    private const int MaxHeaderBytes = 64 * 1024;

    /// <summary>
    /// Sends a POST with <c>Connection: Upgrade</c> / <c>Upgrade: tcp</c> on a connection of its
    /// own and, on 101 (or 200 from old daemons), hands the raw socket over. Written by hand
    /// rather than through HttpClient so the connection can be half-closed (end of stdin).
    /// </summary>
    public async Task<HijackedConnection> HijackAsync(string pathAndQuery, byte[]? jsonBody, CancellationToken cancellationToken = default)
    {
        var version = await NegotiateAsync(cancellationToken).ConfigureAwait(false);
        var socket = await ConnectSocketAsync(cancellationToken).ConfigureAwait(false);
        var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            var host = Endpoint.TcpHost is null ? "api.moby.localhost" : $"{Endpoint.TcpHost}:{Endpoint.TcpPort}";
            var sb = new StringBuilder()
                .Append("POST /v").Append(version).Append(pathAndQuery).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(host).Append("\r\n")
                .Append("User-Agent: Berth-Client/1.0\r\n")
                .Append("Connection: Upgrade\r\nUpgrade: tcp\r\n");
            if (jsonBody is not null)
            {
                sb.Append("Content-Type: application/json\r\nContent-Length: ")
                  .Append(jsonBody.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }
            else
            {
                sb.Append("Content-Type: text/plain\r\nContent-Length: 0\r\n");
            }
            sb.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()), cancellationToken).ConfigureAwait(false);
            if (jsonBody is not null)
            {
                await stream.WriteAsync(jsonBody, cancellationToken).ConfigureAwait(false);
            }

            var (status, headers, rest) = await ReadResponseHeadAsync(stream, cancellationToken).ConfigureAwait(false);
            if (status >= 400)
            {
                var body = await ReadErrorBodyAsync(stream, headers, rest, cancellationToken).ConfigureAwait(false);
                var message = body.Trim();
                try
                {
                    if (JsonSerializer.Deserialize(body, EngineJson.Context.ErrorResponse) is { Message.Length: > 0 } err)
                    {
                        message = err.Message;
                    }
                }
                catch (JsonException)
                {
                }
                throw new EngineApiException(status, message);
            }
            if (status is not (101 or 200))
            {
                throw new EngineApiException(status, $"unexpected status {status} to an upgrade request");
            }
            headers.TryGetValue("content-type", out var contentType);
            return new HijackedConnection(socket, new PrefixedStream(rest, stream), contentType);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
    }

    private static async Task<(int Status, Dictionary<string, string> Headers, byte[] Leftover)> ReadResponseHeadAsync(
        Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var length = 0;
        int end;
        while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (length == buffer.Length)
            {
                if (length >= MaxHeaderBytes)
                {
                    throw new IOException("response headers too long");
                }
                Array.Resize(ref buffer, length * 2);
            }
            var n = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("connection closed before the response headers");
            }
            length += n;
        }
        var lines = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !int.TryParse(statusParts[1], out var status))
        {
            throw new IOException($"malformed status line: {lines[0]}");
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }
        return (status, headers, buffer.AsSpan(end + 4, length - end - 4).ToArray());
    }

    private static async Task<string> ReadErrorBodyAsync(Stream stream, Dictionary<string, string> headers, byte[] rest, CancellationToken cancellationToken)
    {
        using var ms = new MemoryStream();
        ms.Write(rest);
        if (headers.TryGetValue("content-length", out var cl) && int.TryParse(cl, out var len))
        {
            var buf = new byte[4096];
            while (ms.Length < len)
            {
                var n = await stream.ReadAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, len - ms.Length)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                ms.Write(buf, 0, n);
            }
        }
        var text = Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            // Error bodies are small: take the first chunk's JSON.
            var brace = text.IndexOf('{');
            var close = text.LastIndexOf('}');
            if (brace >= 0 && close > brace)
            {
                text = text[brace..(close + 1)];
            }
        }
        return text;
    }
}
