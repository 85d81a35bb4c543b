"""The registry of responses: each response name Rasa utters → a catalog message and its buttons.

The names and their arguments are the contract in docs/architecture.md ("Response names"); the
texts are English source msgids, translated in `locales/{kl,da,sv}`. Every `NOTE:` comment becomes a
translator comment (`#.`) in the catalogs. Keep texts short and plain: SMS users read them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.nlg.markers import N_


@dataclass(frozen=True)
class Button:
    """A button: a title msgid and either a fixed payload or the name of the argument holding it."""

    title: str
    payload: str = ""
    payload_argument: str = ""


@dataclass(frozen=True)
class Response:
    text: str
    buttons: tuple[Button, ...] = ()


YES = Button(
    # NOTE: Button: answers "yes" to the question above it. Short.
    N_("Yes"),
    "/affirm",
)
NO = Button(
    # NOTE: Button: answers "no" to the question above it. Short.
    N_("No"),
    "/deny",
)
YES_NO = (YES, NO)

# Answers to "how should we tell you?": the payload is the word the contact form understands.
CHANNEL_SMS = Button(
    # NOTE: Button: be told by SMS that a message is waiting. Short.
    N_("SMS"),
    "sms",
)
CHANNEL_EMAIL = Button(
    # NOTE: Button: be told by e-mail that a message is waiting. Short.
    N_("E-mail"),
    "e-mail",
)
CHANNEL_TELEGRAM = Button(
    # NOTE: Button: be told on Telegram that a message is waiting. Short.
    N_("Telegram"),
    "telegram",
)

APPLY = Button(
    # NOTE: Button in the help menu: start an application for housing benefit.
    N_("Apply for housing benefit"),
    "/apply_housing_benefit",
)
STATUS = Button(
    # NOTE: Button in the help menu: ask about the status of one's application.
    N_("Status of my application"),
    "/check_status",
)
MESSAGES = Button(
    # NOTE: Button in the help menu: read messages from the municipality.
    N_("My messages"),
    "/read_messages",
)
ELIGIBILITY = Button(
    # NOTE: Button in the help menu: who can get housing benefit.
    N_("Who can get it?"),
    "/ask_eligibility",
)
DOCUMENTS = Button(
    # NOTE: Button in the help menu: which documents are needed to apply.
    N_("Which documents?"),
    "/ask_documents",
)
HUMAN = Button(
    # NOTE: Button: leave a message for / get in touch with a caseworker (a person, not the bot).
    N_("Talk to a person"),
    "/talk_to_human",
)
QUESTIONS = Button(
    # NOTE: Button in the main options: questions about housing benefit (who can get it, documents, ...).
    N_("Questions about housing benefit"),
    "/help",
)
LANGUAGE_BUTTONS = (
    Button(
        # NOTE: Button to choose Greenlandic. Always the language's own name: keep "Kalaallisut".
        N_("Kalaallisut"),
        '/choose_language{"language":"kl"}',
    ),
    Button(
        # NOTE: Button to choose Danish. Always the language's own name: keep "Dansk".
        N_("Dansk"),
        '/choose_language{"language":"da"}',
    ),
    Button(
        # NOTE: Button to choose Swedish. Always the language's own name: keep "Svenska".
        N_("Svenska"),
        '/choose_language{"language":"sv"}',
    ),
)
LOG_IN = Button(
    # NOTE: Button that opens the secure login (eID) page.
    N_("Log in"),
    payload_argument="login_url",
)
SEND = Button(
    # NOTE: Button: send the application to the municipality now.
    N_("Send application"),
    "/affirm",
)
STOP = Button(
    # NOTE: Button: stop the application without sending it.
    N_("Stop"),
    "/cancel",
)
# The offer to continue a saved draft is a yes/no question: yes continues, no starts again.
CONTINUE_DRAFT = Button(
    # NOTE: Button: continue the application started earlier, with the answers already given. Short.
    N_("Continue"),
    "/affirm",
)
START_AGAIN = Button(
    # NOTE: Button: drop the application started earlier and start again from the beginning. Short.
    N_("Start again"),
    "/deny",
)

# NOTE: Shown when something unexpected went wrong while answering (an internal error).
GENERIC_ERROR = N_("Sorry, something went wrong. Please try again.")

RESPONSES: dict[str, Response] = {
    # --- General ---
    "utter_greet": Response(
        # NOTE: Greeting at the start of a conversation. "boligsikring" is the official name; keep it.
        N_(
            "Hello! I am the municipality's digital assistant for housing benefit (boligsikring). "
            "How can I help you?"
        ),
    ),
    "utter_goodbye": Response(
        # NOTE: Said when the citizen says goodbye.
        N_("Goodbye, and thank you for your visit."),
    ),
    "utter_thank": Response(
        # NOTE: Answer when the citizen says thank you.
        N_("You are welcome. Can I help you with anything else?"),
    ),
    "utter_help": Response(
        # NOTE: What the assistant can do; buttons with the main options follow.
        N_(
            "I can help you apply for housing benefit, tell you the status of your application, "
            "show your messages from the municipality, and answer questions about who can get "
            "housing benefit and which documents are needed. Choose below or write your question."
        ),
        (APPLY, STATUS, MESSAGES, ELIGIBILITY, DOCUMENTS),
    ),
    "utter_eligibility": Response(
        # NOTE: What housing benefit is and who may get it. Do not promise that anyone will get it.
        N_(
            "Housing benefit (boligsikring) is help from the municipality to pay the rent. "
            "You can get it if you rent a home in Greenland and have a lease. "
            "Whether you get it, and how much, depends on your household's income and the rent. "
            "You always apply for a specific month."
        ),
    ),
    "utter_documents": Response(
        # NOTE: Which documents are needed. INI A/S and Iserit A/S are company names; keep them.
        N_(
            "If you rent from INI A/S or Iserit A/S and apply here, you usually do not need to send "
            "any documents: we use the information the municipality already has. "
            "Otherwise you need your lease and documentation of your household's income."
        ),
    ),
    "utter_processing_time": Response(
        # NOTE: How long processing takes. Do not promise a fixed time.
        N_(
            "The municipality usually processes applications within a few weeks, but it can vary. "
            "You will hear from the municipality when your application has been processed."
        ),
    ),
    "utter_private_landlord_info": Response(
        # NOTE: General answer for tenants of a private landlord. {manual_form_url} is a web address.
        N_(
            "This service only covers tenants of INI A/S and Iserit A/S. If you rent from another "
            "landlord, please apply with the form on Sullissivik: {manual_form_url}"
        ),
    ),
    "utter_bot_challenge": Response(
        # NOTE: Answer to "are you a robot/person?".
        N_("I am a computer program, not a person. If you like, I can pass a message on to a caseworker."),
    ),
    "utter_out_of_scope": Response(
        # NOTE: The question is not about housing benefit.
        N_(
            "Sorry, I can only help with housing benefit (boligsikring). "
            "For other questions, please contact the municipality."
        ),
    ),
    "utter_default": Response(
        # NOTE: The assistant did not understand the message; buttons with the main options follow.
        N_("Sorry, I did not understand that. Choose one of the options below or write it in another way."),
        (APPLY, STATUS, MESSAGES, HUMAN),
    ),
    "utter_main_options": Response(
        # NOTE: Answer to a bare "yes" or "no" when nothing was asked; buttons with the main options follow.
        N_("What would you like to do? Choose below or write your question."),
        (APPLY, STATUS, MESSAGES, QUESTIONS, HUMAN),
    ),
    "utter_offer_caseworker": Response(
        # NOTE: After two misunderstandings in a row; Yes/No buttons follow.
        N_("I still did not understand. Would you like to leave a message for a caseworker?"),
        YES_NO,
    ),
    "utter_ask_language": Response(
        # NOTE: Asks which language to use; buttons with the three languages follow.
        N_("Which language would you like to use?"),
        LANGUAGE_BUTTONS,
    ),
    "utter_language_changed": Response(
        # NOTE: Confirms a change of language. Name YOUR language, e.g. Danish: "Fint, jeg skriver på dansk fra nu af."
        N_("All right, from now on I will write in English."),
    ),
    "utter_backend_unavailable": Response(
        # NOTE: The municipality's system did not answer in time. Nothing is lost; try again.
        N_("Sorry, I could not reach the municipality's system just now. Please try again in a moment."),
    ),
    "utter_too_many_requests": Response(
        # NOTE: The citizen has already done this many times today (started an application, written to the municipality or asked for a person); it can be done again tomorrow.
        N_("You have already done this many times today. Please try again tomorrow."),
    ),
    "utter_login_required": Response(
        # NOTE: The citizen must log in with eID first; a "Log in" button follows.
        N_("To continue, please log in securely first, so that I can see your information."),
        (LOG_IN,),
    ),
    "utter_cancelled": Response(
        # NOTE: The citizen stopped what they were doing (nothing was sent).
        N_("All right, I have stopped. Nothing has been sent."),
    ),
    "utter_contact_current": Response(
        # NOTE: Before changing contact data: where the municipality notifies the citizen now. {sms_to} and {email_to} are the current mobile number and e-mail address, or a dash when there is none.
        N_("We tell you that a message is waiting by SMS to {sms_to} and by e-mail to {email_to}."),
    ),
    "utter_ask_contact_detail": Response(
        # NOTE: Asks for the new mobile number or e-mail address for notifications, or which channel should come first. Keep the channel names as on the buttons.
        N_(
            "Write the new mobile number or e-mail address we should use. "
            "Or choose how we tell you: SMS, e-mail or Telegram."
        ),
        (CHANNEL_SMS, CHANNEL_EMAIL, CHANNEL_TELEGRAM),
    ),
    "utter_contact_invalid": Response(
        # NOTE: What the citizen wrote is neither a valid mobile number nor an e-mail address.
        N_("That is not a mobile number or an e-mail address I can use. Please try again."),
    ),
    "utter_contact_channel_sms": Response(
        # NOTE: Confirms that notifications now go by SMS first.
        N_("Thank you. From now on we will tell you by SMS first when a message is waiting."),
    ),
    "utter_contact_channel_email": Response(
        # NOTE: Confirms that notifications now go by e-mail first.
        N_("Thank you. From now on we will tell you by e-mail first when a message is waiting."),
    ),
    "utter_contact_channel_telegram": Response(
        # NOTE: Confirms that notifications now go by Telegram first.
        N_("Thank you. From now on we will tell you on Telegram first when a message is waiting."),
    ),
    "utter_contact_channel_missing": Response(
        # NOTE: The citizen chose a channel for which the municipality has no number, address or Telegram chat yet.
        N_(
            "We have no number, address or Telegram chat for that yet. Write the mobile number or "
            "e-mail address, or write to us once on Telegram."
        ),
    ),
    "utter_contact_changed": Response(
        # NOTE: Confirms the change of contact data; {contact} is the new number or address.
        N_("Thank you. From now on we will tell you at {contact} when a message is waiting."),
    ),
    "utter_handoff_queued": Response(
        # NOTE: The citizen asked for a person during opening hours; a caseworker will write in this chat.
        N_("I have asked a caseworker to take over. Please wait; they will write to you here."),
    ),
    "utter_handoff_closed": Response(
        # NOTE: The citizen asked for a person outside opening hours; the assistant offers to pass on a written message instead.
        N_("The caseworkers are not at work right now. You can leave a message, and they will answer you."),
    ),
    "utter_logged_out": Response(
        # NOTE: Confirms that the citizen has logged out.
        N_("You are now logged out."),
    ),
    # --- Application ---
    "utter_draft_intro": Response(
        # NOTE: First part of the prefilled application. {period_month} is e.g. "November 2026"; {now_datetime} the current date and time.
        N_(
            "Here is your application for housing benefit, filled in with the information the "
            "municipality has. Please check that it is correct.\n"
            "Application for: {period_month}\n"
            "Date and time: {now_datetime}"
        ),
    ),
    "utter_draft_tenant": Response(
        # NOTE: The tenant section of the application. The CPR number is shown masked (e.g. 070886-xxxx).
        N_("Tenant\nName: {tenant_name}\nCPR number: {tenant_cpr_masked}\nAddress: {tenant_address}"),
    ),
    "utter_draft_dwelling": Response(
        # NOTE: The dwelling section of the application. {rent_amount} is the monthly rent with currency.
        N_(
            "Dwelling\n"
            "Address: {dwelling_address}\n"
            "Rooms: {rooms}\n"
            "Rent per month: {rent_amount}\n"
            "Landlord: {landlord}\n"
            "Move-in date: {move_in_date}\n"
            "Tenant number: {tenant_number}"
        ),
    ),
    "utter_draft_household": Response(
        # NOTE: The household section: the names of the people who live in the dwelling.
        N_("Household\n{household_list}"),
    ),
    "utter_draft_resume_offer": Response(
        # NOTE: The citizen started an application earlier (on {started_date}) and it was saved. Yes (continue) / No (start again) buttons follow.
        N_(
            "You started an application for housing benefit on {started_date}, and your answers "
            "are saved. Do you want to continue it? If not, you start again from the beginning."
        ),
        (CONTINUE_DRAFT, START_AGAIN),
    ),
    "utter_draft_continued": Response(
        # NOTE: The citizen chose to continue the application started on {started_date}; the next question follows.
        N_("Let us continue your application from {started_date}. Your answers so far are kept."),
    ),
    "utter_draft_register_changed": Response(
        # NOTE: When continuing a saved application: the municipality's registers changed since; the new information follows and is asked about again.
        N_(
            "The municipality's information about you has changed since you started. "
            "Please check the new information below."
        ),
    ),
    "utter_ask_dwelling_confirmed": Response(
        # NOTE: Asks whether the dwelling section is correct; Yes/No buttons follow.
        N_("Is the information about the dwelling correct?"),
        YES_NO,
    ),
    "utter_ask_dwelling_correction": Response(
        # NOTE: After "no": asks what is wrong with the dwelling information.
        N_(
            "What is wrong with the dwelling information? Write it in your own words. A caseworker will check it."
        ),
    ),
    "utter_ask_household_confirmed": Response(
        # NOTE: Asks whether the household section is correct; Yes/No buttons follow.
        N_("Is the information about the household correct?"),
        YES_NO,
    ),
    "utter_ask_household_correction": Response(
        # NOTE: After "no": asks what is wrong with the household information.
        N_(
            "What is wrong with the household information? Write it in your own words. "
            "A caseworker will check it."
        ),
    ),
    "utter_correction_noted": Response(
        # NOTE: Confirms that the citizen's correction was recorded.
        N_("Thank you. I have noted it, and a caseworker will check it."),
    ),
    "utter_ask_phone_known": Response(
        # NOTE: Asks whether the phone number in the register is still right; Yes/No buttons follow.
        N_("We have this phone number for you: {register_phone}. Is it still correct?"),
        YES_NO,
    ),
    "utter_ask_phone": Response(
        # NOTE: Asks for a phone number where the municipality can reach the citizen.
        N_("Which phone number can the municipality reach you on?"),
    ),
    "utter_invalid_phone": Response(
        # NOTE: The phone number given was not valid; the question follows again.
        N_(
            "That does not look like a valid phone number. Please write a Greenlandic number with "
            "6 digits, a Danish number with 8 digits, or a number with its country code (for example +46)."
        ),
    ),
    "utter_phone_ambiguous": Response(
        # NOTE: The number could be from more than one country (e.g. a Swedish number written with a leading 0 in a Danish or Greenlandic conversation); asks for the country code. Keep the example numbers.
        N_(
            "I am not sure which country that phone number is from. "
            "Please write it with the country code, for example +46 70 123 45 67."
        ),
    ),
    "utter_phone_later": Response(
        # NOTE: The citizen wrote a phone number while the assistant asked something else; the number is asked for later in the application. The question that was pending follows again, so do not name the phone here: say "number".
        N_("Thank you. I will ask for your number in a moment."),
    ),
    "utter_phone_changed": Response(
        # NOTE: The citizen wrote a new phone number just before sending; {phone} is that number. The summary follows again.
        N_("Thank you. I will use the phone number {phone}."),
    ),
    "utter_hint_yes_no": Response(
        # NOTE: The answer to a yes/no question about the application was something else; the question follows again.
        N_("Please answer yes or no. If something is wrong, answer no and tell me what."),
    ),
    "utter_hint_phone_known": Response(
        # NOTE: The answer to "is this phone number still correct?" was something else; the question follows again.
        N_("Please answer yes if the phone number is right, or write the phone number we should use."),
    ),
    "utter_hint_phone": Response(
        # NOTE: The answer to "which phone number?" was not a number; the question follows again.
        N_("Please write the phone number itself, for example 52 12 34."),
    ),
    "utter_hint_submit": Response(
        # NOTE: The answer to "send the application now?" was something else; the question follows again. Keep the button names as on the buttons.
        N_('Choose "Send application" to send it, or "Stop" if you do not want to send it.'),
    ),
    "utter_hint_correction": Response(
        # NOTE: After "what is wrong?" the citizen wrote nothing that says what; the question follows again.
        N_("Please write in a few words what is wrong."),
    ),
    "utter_hint_caseworker_message": Response(
        # NOTE: The citizen was asked for a message to a caseworker but wrote nothing that can be passed on; the question follows again.
        N_("Please write what you want to tell the caseworker."),
    ),
    "utter_finish_first": Response(
        # NOTE: In the middle of an application the citizen asked for something else (status, messages, a person). "stop" is the word that stops the application: use YOUR language's word (da "stop", sv "avbryt", kl "unitsiguk").
        N_('Let us finish the application first. If you want to stop it, write "stop".'),
    ),
    "utter_summary": Response(
        # NOTE: Summary before sending. The two "correct" lines are followed by "yes" or "no".
        N_(
            "Summary of your application\n"
            "Application for: {period_month}\n"
            "Dwelling information correct: {dwelling_confirmed}\n"
            "Household information correct: {household_confirmed}\n"
            "Phone number: {phone}"
        ),
    ),
    "utter_ask_submit_confirmed": Response(
        # NOTE: Asks whether to send the application; buttons "Send application" and "Stop" follow.
        N_("Do you want to send the application now?"),
        (SEND, STOP),
    ),
    "utter_receipt": Response(
        # NOTE: The receipt after sending. The first three sentences are the official receipt text; keep their meaning exactly.
        N_(
            "Application sent. You have applied for housing benefit. You will hear from the "
            "municipality when the application has been processed.\n"
            "Reference number: {reference}\n"
            "Sent: {submitted_datetime}"
        ),
    ),
    "utter_application_not_sent": Response(
        # NOTE: The application was stopped or could not be sent; nothing was sent.
        N_("The application has not been sent. You can start again whenever you like."),
    ),
    "utter_referral_private_landlord": Response(
        # NOTE: The citizen's landlord is not INI A/S or Iserit A/S; refers to the manual form ({manual_form_url}).
        N_(
            "This service can only fill in the application for tenants of INI A/S and Iserit A/S. "
            "Your landlord is not one of them, so please apply with the form on Sullissivik: "
            "{manual_form_url}"
        ),
    ),
    "utter_referral_no_tenancy": Response(
        # NOTE: No tenancy is registered for the citizen; refers to the manual form ({manual_form_url}).
        N_(
            "I cannot find a registered tenancy for you, so the application cannot be filled in "
            "automatically. This service only covers tenants of INI A/S and Iserit A/S. "
            "Please apply with the form on Sullissivik: {manual_form_url}"
        ),
    ),
    "utter_already_applied": Response(
        # NOTE: An application for this month was already sent; shows that application. {status} is a status word.
        N_(
            "You have already applied for housing benefit for this month.\n"
            "Reference number: {reference}\n"
            "Status: {status}\n"
            "Sent: {submitted_datetime}"
        ),
    ),
    # --- Status and messages ---
    "utter_status": Response(
        # NOTE: The status of the citizen's application. {status} is a status word such as "submitted".
        # NOTE: {timeline} is one line per step, e.g. "- 3. december 2026 14.05: indsendt".
        N_(
            "Your application\nReference number: {reference}\nStatus: {status}\n\nWhat has happened:\n{timeline}"
        ),
    ),
    "utter_status_decided": Response(
        # NOTE: The application has been decided. {decision} is "granted" or "refused".
        # NOTE: {timeline} is one line per step, e.g. "- 3. december 2026 14.05: indsendt".
        N_(
            "Your application has been decided.\n"
            "Reference number: {reference}\n"
            "Date of decision: {decided_on_date}\n"
            "Decision: {decision}\n\n"
            "What has happened:\n{timeline}"
        ),
    ),
    "utter_no_application": Response(
        # NOTE: The citizen asked about the status but has no application.
        N_("I cannot find an application for housing benefit from you."),
    ),
    "utter_ask_caseworker_message": Response(
        # NOTE: Asks the citizen to write a message for a caseworker.
        N_("Write your message for the caseworker in one message."),
    ),
    "utter_caseworker_message_sent": Response(
        # NOTE: Confirms that the citizen's message was sent to a caseworker.
        N_("Thank you. Your message has been sent to a caseworker."),
    ),
    "utter_secure_message": Response(
        # NOTE: Shows one message from the municipality: {sent_datetime} when it was sent, {message_text} the message itself.
        N_("Message from the municipality, {sent_datetime}:\n{message_text}"),
    ),
    "utter_no_messages": Response(
        # NOTE: The citizen has no messages from the municipality.
        N_("You have no messages from the municipality."),
    ),
}
