using System.Diagnostics;
using Berth.Core.Distribution;
using Berth.Registry.Api;
using Berth.Registry.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Registry.Observability;

/// <summary>
/// Outermost middleware: counts body bytes both ways, times the request, records the metrics and
/// writes the access log line (info level). An unhandled exception is logged at error level and
/// answered 500 UNKNOWN when the response has not started.
/// </summary>
public sealed class RequestObserver(RegistryLog log, RegistryMetrics metrics, bool accessLog)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var bodyIn = new CountingStream(request.Body);
        request.Body = bodyIn;
        var responseFeature = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var bodyOut = new CountingStream(responseFeature.Stream);
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(bodyOut, responseFeature));
        metrics.Started();
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's verdict on a malformed request (bad chunking, body too large): a client error.
            log.Write(RegistryLogLevel.Debug, "bad request", ("method", request.Method), ("path", request.Path.Value), ("error", e.Message));
            if (!context.Response.HasStarted) context.Response.StatusCode = e.StatusCode;
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            log.Write(RegistryLogLevel.Error, "request failed", ("method", request.Method), ("path", request.Path.Value), ("error", e.Message));
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await AuthErrors.WriteAsync(context.Response,
                    RegistryError.Of(DistributionErrorCodes.Unknown));
            }
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var status = context.Response.StatusCode;
            metrics.Finished(request.Method, status, bodyIn.Count, bodyOut.Count, elapsed);
            if (accessLog)
            {
                log.Write(RegistryLogLevel.Info, "request",
                    ("method", request.Method), ("path", request.Path.Value + request.QueryString.Value), ("status", status),
                    ("bytes_in", bodyIn.Count), ("bytes_out", bodyOut.Count), ("duration", elapsed.TotalSeconds),
                    ("remote", $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}"),
                    ("user", AuthMiddleware.UserOf(context)));
            }
            context.Features.Set(responseFeature);
        }
    }
}
