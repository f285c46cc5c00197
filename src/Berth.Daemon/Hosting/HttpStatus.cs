using System.Text.Json;
using Berth.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Hosting;

/// <summary>
/// The one place error kinds become HTTP status codes (moby's api/server/httpstatus): the
/// engine only says what kind of failure it was.
/// </summary>
public static class HttpStatus
{
    public static int Of(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidParameter => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.NotModified => StatusCodes.Status304NotModified,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.NotImplemented => StatusCodes.Status501NotImplemented,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The status and client-facing message of any failure; what is not ours is a 500.</summary>
    public static (int Status, string Message) Of(Exception e) => e switch
    {
        BerthException b => (Of(b.Kind), b.Message),
        JsonException j => (StatusCodes.Status400BadRequest, "malformed JSON: " + JsonErrorText.Describe(j)),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, RequestBodyLimit.TooLargeMessage),
        BadHttpRequestException b => (b.StatusCode, b.Message),
        _ => (StatusCodes.Status500InternalServerError, e.Message),
    };
}
