"""What the citizen is told about the documents they send, as catalog msgids (kl, da, sv in locales/)."""

from __future__ import annotations

from backend.nlg import N_

# NOTE: The assistant confirms that a document the citizen sent has arrived. {filename} is the file's name.
RECEIVED = N_("Thank you. We have received your document {filename}. The caseworker can now see it.")
# NOTE: The citizen must log in before sending documents.
LOGIN_FIRST = N_("Please log in before you send documents.")
# NOTE: The file is not a PDF, JPEG or PNG (HEIC photos from iPhones are converted when possible).
WRONG_TYPE = N_("We cannot receive this kind of file. Please send a PDF, or a photo as JPEG or PNG.")
# NOTE: The file is larger than allowed. {limit} is a size like "10 MB".
TOO_LARGE = N_("The file is too large. Please send a file of at most {limit}.")
# NOTE: The file is empty or damaged and cannot be opened.
UNREADABLE = N_("We could not open the file. It may be damaged. Please try another file.")
# NOTE: A PDF with more pages than allowed. {limit} is a number.
TOO_MANY_PAGES = N_("The PDF has too many pages. Please send at most {limit} pages in one file.")
# NOTE: A picture with more pixels than allowed. Ask for a smaller picture.
TOO_MANY_PIXELS = N_("The picture is too large. Please send a smaller picture.")
# NOTE: A PDF protected by a password cannot be read by the caseworker.
ENCRYPTED = N_("The PDF is protected by a password. Please send it without a password.")
# NOTE: The malware check found something harmful in the file; it was not stored.
INFECTED = N_("The file was not accepted because it may be harmful. Please send another file.")
# NOTE: The file could not be checked just now; nothing was stored. Try again later.
NOT_CHECKED = N_("We could not check the file just now. Please try again later.")
# NOTE: The file was fine but could not be saved just now (the storage did not answer); try again later.
NOT_STORED = N_("We could not save the file just now. Please try again later.")
# NOTE: A photo from an iPhone (HEIC) that could not be converted. Ask for JPEG instead.
HEIC_REFUSED = N_(
    "We could not read this iPhone photo. Please send it as JPEG (for example as a screenshot)."
)
# NOTE: MMS or Telegram: one file could not be fetched from the provider; the others were handled.
NOT_FETCHED = N_("We could not fetch your file. Please send it again.")
# NOTE: A caseworker's ready-made request in a secure message: the citizen should send a copy of their lease.
ASK_FOR_LEASE = N_(
    "Please send us a copy of your lease. You can send it here in the chat when you are logged in."
)
# NOTE: A caseworker's ready-made request in a secure message: payslips (lønsedler) for the last three months.
ASK_FOR_PAYSLIPS = N_(
    "Please send us your payslips for the last three months. You can send them here in the chat when "
    "you are logged in."
)
